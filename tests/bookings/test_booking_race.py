"""No double booking under concurrent requests, on PostgreSQL: real browsers' requests to a live
server at once, and two meeting types racing past each other's lock into the exclusion
constraint."""

import http.client
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection

from bookings import availability, booking
from bookings.models import Meeting, MeetingType
from tests.bookings.booking_helpers import BOOKING_URL, booking_data, offered_slots, page_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 12


class Visitor:
    """One browser: loads the booking page (tokens and cookie), then posts the form."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = base_url

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read().decode()
        finally:
            conn.close()

    def load(self):
        response, html = self.request("GET", BOOKING_URL)
        assert response.status == 200
        self.cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return html

    def post(self, data):
        return self.request(
            "POST",
            BOOKING_URL,
            body=urlencode({**data, "csrfmiddlewaretoken": self.csrf}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
                "Origin": self.origin,
            },
        )


def test_clients_posting_the_same_time_at_once_one_gets_it_the_others_see_it_taken(
    live_site, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = "1000/h"  # every request comes from 127.0.0.1
    visitors = [Visitor(live_site.url) for _ in range(CLIENTS)]
    pages = [visitor.load() for visitor in visitors]
    slot = offered_slots(pages[0])[0]
    start = threading.Barrier(CLIENTS)

    def race(index):
        data = booking_data(page_token(pages[index]), slot, email=f"asiakas{index}@example.fi")
        start.wait()
        return visitors[index].post(data)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(race, range(CLIENTS)))
    statuses = sorted(response.status for response, _html in results)
    assert statuses == [302] + [409] * (CLIENTS - 1)
    for response, html in results:
        if response.status == 409:
            assert "ehdittiin juuri varata" in html
            assert slot not in offered_slots(html)
            assert offered_slots(html)
    assert Meeting.objects.count() == 1


def test_the_database_refuses_an_overlap_that_slips_past_the_checks(site_content, settings):
    """Two meeting types lock different rows, so both pass the free-time check; the exclusion
    constraint lets one through and the other gets "just taken", never a second meeting."""
    intro = MeetingType.objects.get()
    other = MeetingType.objects.create(
        name="Toinen", name_fi="Toinen", bookable_online=True, duration_minutes=30
    )
    day = availability.first_bookable_day(intro)
    free = []
    while not free:
        free = availability.free_slots(intro, availability.Window(day, day + timedelta(days=6)))
        day += timedelta(days=7)
    start_at = free[0]
    barrier = threading.Barrier(2)
    original = booking.check_free

    def check_then_wait(*args, **kwargs):
        original(*args, **kwargs)
        barrier.wait(timeout=30)  # both have checked before either inserts

    def book(index, meeting_type):
        try:
            return booking.book_meeting(
                submission_id=None,
                meeting_type=meeting_type,
                start=start_at,
                place="remote",
                name=f"Asiakas {index}",
                email=f"a{index}@example.fi",
                language="fi",
            )[0].pk
        except booking.BookingError as error:
            return error.code
        finally:
            connection.close()

    booking.check_free = check_then_wait
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(book, (1, 2), (intro, other)))
    finally:
        booking.check_free = original
    assert sorted(outcomes, key=str).count(booking.TAKEN) == 1, outcomes
    assert Meeting.objects.count() == 1
