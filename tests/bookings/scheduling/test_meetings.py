"""No double booking under concurrent requests, on PostgreSQL: real browsers' requests to a live
server at once, and two meeting types racing past each other's lock into the exclusion
constraint.

PostgreSQL itself refuses two active meetings whose times, buffers included, overlap."""

import http.client
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Inquiry, Meeting, MeetingType
from bookings.scheduling import availability, meetings
from tests.bookings.booking_helpers import (
    BOOKING_URL,
    booked,
    booking_data,
    first_free,
    offered_slots,
    page_token,
    started,
)

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_overlap_that_slips_past_the_checks(site_content, settings):
    """Should two writes ever both pass the free-time check (here the meeting lock is taken
    away, so they do), the exclusion constraint lets one through and the other gets "just
    taken", never a second meeting."""
    intro = MeetingType.objects.get(bookable_online=True)
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
    original = meetings.check_free

    def check_then_wait(*args, **kwargs):
        original(*args, **kwargs)
        barrier.wait(timeout=30)  # both have checked before either inserts

    def book(index, meeting_type):
        try:
            return meetings.book_meeting(
                submission_id=None,
                meeting_type=meeting_type,
                start=start_at,
                place="remote",
                name=f"Asiakas {index}",
                email=f"a{index}@example.fi",
                language="fi",
            )[0].pk
        except meetings.MeetingRefused as error:
            return error.code
        finally:
            connection.close()

    meetings.check_free = check_then_wait
    serialise, meetings.serialise = meetings.serialise, lambda: None
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(book, (1, 2), (intro, other)))
    finally:
        meetings.check_free = original
        meetings.serialise = serialise
    assert sorted(outcomes, key=str).count(meetings.TAKEN) == 1, outcomes
    assert Meeting.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_henna_and_clients_changing_meetings_at_once_never_double_book(site_content, admin_user):
    """The meeting lock serialises every write, whatever its kind or meeting type: clients
    booking a time while Henna gives cancelled meetings at that time their status back, all at
    once, end with one active meeting there."""
    intro = MeetingType.objects.get(bookable_online=True)
    start_at = first_free(intro)
    cancelled = []
    for index in range(4):
        meeting = meetings.schedule_meetings(
            inquiry=Inquiry.objects.create(kind="individual", name=f"T{index}", email="t@x.fi"),
            meeting_type=intro,
            place="remote",
            sessions=[(start_at, start_at + intro.duration)],
            allow_overlap=True,
            user=admin_user,
        )[0]
        Meeting.objects.filter(pk=meeting.pk).update(allow_overlap=False)
        cancelled.append(meetings.cancel_meeting(meeting=meeting, user=admin_user))
    barrier = threading.Barrier(8)

    def client(index):
        barrier.wait(timeout=30)
        try:
            return meetings.book_meeting(
                submission_id=None,
                meeting_type=intro,
                start=start_at,
                place="remote",
                name=f"Asiakas {index}",
                email=f"a{index}@example.fi",
                language="fi",
            )[0].pk
        except meetings.MeetingRefused as refused:
            return refused.code
        finally:
            connection.close()

    def henna(meeting):
        barrier.wait(timeout=30)
        try:
            return meetings.set_meeting_status(meeting=meeting, status="booked", user=admin_user).pk
        except meetings.MeetingRefused as refused:
            return refused.code
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        outcomes = [pool.submit(client, n) for n in range(4)]
        outcomes += [pool.submit(henna, meeting) for meeting in cancelled]
        outcomes = [future.result() for future in outcomes]
    assert outcomes.count(meetings.TAKEN) == 7, outcomes
    assert Meeting.objects.active().filter(start=start_at).count() == 1


@pytest.mark.django_db
def test_a_status_that_would_take_back_a_held_time_is_refused_naming_the_meeting(
    site_content, admin_user
):
    """The double booking that SQLite once let through: a client's time is cancelled, another
    client books it, and Henna marks the first one held or not attended."""
    first = booked()
    meetings.cancel_meeting(meeting=first, user=admin_user)
    second = booked(name="Toinen", email="toinen@example.fi")
    assert second.start == first.start
    started(first, second)
    for status in ("held", "no_show", "booked"):
        with pytest.raises(meetings.MeetingRefused) as refused:
            meetings.set_meeting_status(meeting=first, status=status, user=admin_user)
        assert refused.value.code == meetings.TAKEN
        assert refused.value.clashing == [second]
        assert second.inquiry.reference in refused.value.message
    first.refresh_from_db()
    assert (first.status, first.sequence) == ("cancelled", 1)
    assert Meeting.objects.active().filter(start=first.start).count() == 1
    # Between statuses that all hold the time, or all free it, nothing is checked or sent.
    meetings.set_meeting_status(meeting=second, status="held", user=admin_user)
    meetings.set_meeting_status(meeting=first, status="late_cancelled", user=admin_user)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.sequence) == ("held", 0)
    assert (first.status, first.sequence) == ("late_cancelled", 1)


@pytest.mark.django_db
def test_a_change_recorded_raises_the_sequence_only_when_the_clients_calendar_changes(
    site_content, admin_user
):
    meeting = booked()
    video = meeting.meeting_type
    meetings.change_meeting(meeting=meeting, user=admin_user, allow_overlap=True)
    meetings.set_meeting_status(meeting=meeting, status="held", user=admin_user, now=meeting.end)
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    meetings.change_meeting(meeting=meeting, user=admin_user, place="kotka")
    meeting.refresh_from_db()
    assert (meeting.place, meeting.sequence) == ("kotka", 1)
    assert meeting.meeting_type == video
    actions = list(meeting.changes.values_list("action", flat=True))
    assert actions == ["booked", "confirmed", "status", "changed"]


@pytest.mark.django_db
def test_a_dry_run_checks_everything_and_keeps_nothing(
    site_content, admin_user, django_capture_on_commit_callbacks
):
    meeting = booked()
    with django_capture_on_commit_callbacks() as callbacks:
        meetings.change_meeting(meeting=meeting, user=admin_user, place="kotka", dry_run=True)
    assert callbacks == []
    meeting.refresh_from_db()
    # Its history: booked, and confirmed by the client; nothing of the dry run.
    assert (meeting.place, meeting.sequence, meeting.changes.count()) == ("remote", 0, 2)
    other = booked(name="Toinen", email="toinen@example.fi", skip=3)
    with pytest.raises(meetings.MeetingRefused):
        meetings.change_meeting(meeting=other, user=admin_user, start=meeting.start, dry_run=True)


START = datetime(2027, 3, 30, 9, tzinfo=ZoneInfo("Europe/Helsinki"))


def meeting(minutes_from_start=0, **fields) -> Meeting:
    inquiry = Inquiry.objects.create(kind="intro", name="A", email="a@example.fi")
    start = START + timedelta(minutes=minutes_from_start)
    return Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=MeetingType.objects.get(bookable_online=True),
        start=start,
        end=start + timedelta(minutes=30),
        place="kotka",
        **fields,
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_overlapping_meeting_is_refused_by_the_database():
    meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting(15)
    assert Meeting.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_buffers_count_and_back_to_back_is_allowed():
    MeetingType.objects.update(buffer_after_minutes=15)
    meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting(40)  # within the first one's 15 minutes after
    meeting(45)
    assert Meeting.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_cancelled_meeting_frees_its_time_and_a_confirmed_overlap_is_let_through():
    first = meeting()
    first.status = Meeting.Status.CANCELLED
    first.save()
    meeting()
    meeting(allow_overlap=True)
    assert Meeting.objects.active().count() == 2
