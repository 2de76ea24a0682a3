"""A client books an intro meeting: the page of free times, the post, the confirmation, and
everything that can go wrong on the way (taken, tampered, too many, double click, spam)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Inquiry, Meeting, MeetingChange, MeetingType, Notification, StatusChange
from tests.bookings.booking_helpers import (
    BOOKING_URL,
    BOOKING_URL_EN,
    as_instant,
    booking_data,
    confirm_holds,
    offered_slots,
    page_token,
)
from tests.bookings.conftest import form_token, inquiry_data, post_inquiry

pytestmark = pytest.mark.django_db

FI_LEGEND = re.compile(r"<legend>(ma|ti|ke|to|pe|la|su) \d{1,2}\.\d{1,2}\.\d{4}</legend>")
EN_LEGEND = re.compile(
    r"<legend>(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}</legend>"
)
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+0[23]:00$")


@pytest.fixture
def book(client, clock, django_capture_on_commit_callbacks):
    """Open the booking page, wait a minute like a person, and post the form with changes.
    Returns (response, the slot posted)."""

    def send(slot_index=0, url=BOOKING_URL, **changes):
        body = client.get(url).content.decode()
        slot = changes.pop("slot", None) or offered_slots(body)[slot_index]
        clock.advance(60)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, booking_data(page_token(body), slot, **changes))
            confirm_holds()
        return response, slot

    return send


def test_the_page_offers_free_times_as_radio_buttons_in_a_fieldset_per_day(
    client, django_assert_max_num_queries
):
    client.get(BOOKING_URL)  # the rules and the rest of the page into the cache
    # Warm: the week's meetings and the busy times of Henna's own calendar.
    with django_assert_max_num_queries(2):
        body = client.get(BOOKING_URL).content.decode()
    slots = offered_slots(body)
    assert slots, "a fresh site offers intro meeting times at once"
    assert all(ISO_WITH_OFFSET.match(slot) for slot in slots)
    assert FI_LEGEND.search(body)
    # The default hours are Tuesday to Thursday 9-16, at least a day ahead.
    for slot in slots:
        local = timezone.localtime(as_instant(slot))
        assert local.weekday() in (1, 2, 3)
        assert 9 <= local.hour < 16
        assert as_instant(slot) > timezone.now() + timedelta(hours=24)
    assert 'name="considered_kind"' in body
    assert 'name="place"' in body and 'value="kotka"' in body
    assert "arkaluonteisia" in body
    assert 'href="/tietosuoja/"' in body


def test_the_english_page_has_english_legends(client):
    body = client.get(BOOKING_URL_EN).content.decode()
    assert EN_LEGEND.search(body), body[:200]
    assert "Book" in body


@pytest.mark.parametrize("week", ["", "garbage", "2027-13-45", "1999-01-04", "x" * 5000])
def test_a_bad_or_past_week_shows_the_first_week(client, week):
    first = client.get(BOOKING_URL).content.decode()
    response = client.get(BOOKING_URL, {"week": week})
    assert response.status_code == 200
    assert offered_slots(response.content.decode()) == offered_slots(first)


def test_later_weeks_are_plain_links_up_to_the_horizon(client):
    body = client.get(BOOKING_URL).content.decode()
    seen = set(offered_slots(body))
    weeks = 0
    while match := re.search(r'href="\?week=([\d-]+)"[^>]*>[^<]*→', body):
        body = client.get(BOOKING_URL, {"week": match.group(1)}).content.decode()
        new = set(offered_slots(body))
        assert not new & seen
        seen |= new
        weeks += 1
        assert weeks < 12
    horizon = timezone.now() + timedelta(
        weeks=MeetingType.objects.get(bookable_online=True).horizon_weeks
    )
    assert max(as_instant(s) for s in seen) <= horizon
    assert weeks >= 7
    far = client.get(BOOKING_URL, {"week": "2099-01-05"}).content.decode()
    assert set(offered_slots(far)) <= seen


def test_a_booking_is_an_intro_inquiry_with_its_meeting_history_and_emails(book, client):
    response, slot = book(place="kotka")
    meeting = Meeting.objects.select_related("inquiry").get()
    assert response.status_code == 302
    assert response["Location"] == f"/ajanvaraus/{meeting.manage_token}/vahvistus/"
    inquiry = meeting.inquiry
    assert inquiry.kind == Inquiry.Kind.INTRO
    assert inquiry.status == Inquiry.Status.MEETING
    assert inquiry.considered_kind == "individual"
    assert inquiry.message == "Haluaisin kuulla yksilötyönohjauksesta."
    assert inquiry.privacy_notice is not None
    assert meeting.start == as_instant(slot)
    assert meeting.end - meeting.start == timedelta(minutes=30)
    assert meeting.place == Meeting.Place.KOTKA
    assert StatusChange.objects.get(inquiry=inquiry).to_status == Inquiry.Status.MEETING
    change = MeetingChange.objects.filter(meeting=meeting).first()
    assert (change.action, change.by_client, change.new_start) == ("booked", True, meeting.start)
    # The client confirmed it from their first email (the book fixture does): then the
    # invitation and Henna's notification.
    kinds = set(Notification.objects.filter(meeting=meeting).values_list("kind", "sequence"))
    assert kinds == {("confirm", 0), ("invite", 0), ("staff_mtg", 0)}

    page = client.get(response["Location"]).content.decode()
    local = timezone.localtime(meeting.start)
    weekday = ["maanantaina", "tiistaina", "keskiviikkona", "torstaina"][local.weekday()]
    # The first free time is on the hour or not, by the time of day the test runs at.
    assert f"{weekday} {local.day}.{local.month}.{local.year} klo {local:%-H.%M}" in page
    assert f'href="/ajanvaraus/{meeting.manage_token}/kutsu.ics"' in page
    assert f'href="/ajanvaraus/{meeting.manage_token}/"' in page
    assert "Kotka" in page
    # The time is no longer offered to anyone.
    assert slot not in offered_slots(client.get(BOOKING_URL).content.decode())


def test_an_english_booking_confirms_in_english(book, client):
    response, _slot = book(url=BOOKING_URL_EN)
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/en/booking/{meeting.manage_token}/confirmed/"
    assert meeting.inquiry.language == "en"
    page = client.get(response["Location"]).content.decode()
    assert "Meeting booked" in page


def test_a_double_click_or_reload_gives_the_same_confirmation_and_one_meeting(
    client, clock, django_capture_on_commit_callbacks
):
    body = client.get(BOOKING_URL).content.decode()
    data = booking_data(page_token(body), offered_slots(body)[0])
    clock.advance(60)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(BOOKING_URL, data)
        second = client.post(BOOKING_URL, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Meeting.objects.count() == 1
    assert Notification.objects.count() == 1  # the one email of a hold: confirm it


def test_a_time_taken_meanwhile_gives_the_form_back_with_the_times_still_free(client, clock, book):
    body = client.get(BOOKING_URL).content.decode()
    taken = offered_slots(body)[0]
    book(slot=taken, email="toinen@example.fi")  # someone else, a moment earlier
    response = client.post(
        BOOKING_URL, booking_data(page_token(body), taken, name="Kolmas Asiakas")
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "ehdittiin juuri varata" in page
    assert 'value="Kolmas Asiakas"' in page
    slots = offered_slots(page)
    assert slots and taken not in slots
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("slot", "message"),
    [
        ("not-a-time", "Valitse tapaamisaika listasta"),
        ("2027-01-12T09:00:00", "Valitse tapaamisaika listasta"),  # no offset
        ("2020-01-14T09:00:00+02:00", "Valitsemaasi aikaa ei voi varata"),  # past
        ("x" * 300, "Valitse tapaamisaika listasta"),
        ("9999-12-31T23:59:59+14:00", "Valitse tapaamisaika listasta"),  # would overflow
    ],
)
def test_a_tampered_or_past_time_is_refused_with_what_was_typed_kept(book, slot, message):
    response, _slot = book(slot=slot, name="Tuuli Tamper")
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'value="Tuuli Tamper"' in page
    assert offered_slots(page)
    assert not Meeting.objects.exists()


def test_a_time_off_the_grid_or_outside_the_hours_is_not_offered(book, client):
    first = as_instant(offered_slots(client.get(BOOKING_URL).content.decode())[0])
    for instant in (first + timedelta(minutes=7), first.replace(hour=5)):
        response, _slot = book(slot=instant.isoformat())
        assert response.status_code == 400
        assert "Valitsemaasi aikaa ei voi varata" in response.content.decode()
    assert not Meeting.objects.exists()


def test_an_address_may_hold_two_upcoming_bookings(book, settings):
    settings.INQUIRY_RATE_LIMIT = "100/h"
    assert book(slot_index=0)[0].status_code == 302
    assert book(slot_index=0, email="AINO@example.fi ")[0].status_code == 302
    response, _slot = book(slot_index=0)
    assert response.status_code == 400
    assert "jo kaksi tulevaa varausta" in response.content.decode()
    assert Meeting.objects.count() == 2


def test_the_rate_limit_counts_inquiries_and_bookings_together(
    client, clock, book, settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    token = form_token(client)
    clock.advance(60)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inquiry(client, inquiry_data(token)).status_code == 302
    assert book(email="eka@example.fi")[0].status_code == 302
    response, _slot = book(email="toka@example.fi", name="Kolmas Kerta")
    assert response.status_code == 429
    assert 'value="Kolmas Kerta"' in response.content.decode()
    assert Meeting.objects.count() == 1


def test_a_filled_honeypot_books_nothing_and_is_thanked(book):
    response, _slot = book(website="https://spam.example")
    assert response.status_code == 302
    assert response["Location"] == "/yhteydenotto/kiitos/"
    assert not Meeting.objects.exists()
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert not Notification.objects.exists()


def test_missing_details_keep_the_chosen_time_checked(book):
    response, slot = book(name="", consent=None)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Kirjoita nimesi" in page
    assert f'value="{slot}" id="id_slot_0_0" checked' in page or f'value="{slot}"' in page
    assert re.search(rf'value="{re.escape(slot)}" id="[^"]+" checked', page)


def test_without_a_bookable_type_the_page_points_to_the_inquiry_form(client):
    MeetingType.objects.update(bookable_online=False)
    body = client.get(BOOKING_URL).content.decode()
    assert "Ajanvaraus ei ole juuri nyt käytössä" in body
    assert 'href="/yhteydenotto/"' in body


def test_the_daily_limit_closes_a_day_once_reached(
    book, client, django_capture_on_commit_callbacks
):
    meeting_type = MeetingType.objects.get(bookable_online=True)
    meeting_type.max_per_day = 1
    meeting_type.save()
    _response, slot = book()
    day = timezone.localtime(as_instant(slot)).date()

    def offered_that_day():
        week = (day - timedelta(days=day.weekday())).isoformat()
        body = client.get(BOOKING_URL, {"week": week}).content.decode()
        return [s for s in offered_slots(body) if timezone.localtime(as_instant(s)).date() == day]

    assert offered_that_day() == []
    with django_capture_on_commit_callbacks(execute=True):  # Henna saves in the admin
        meeting_type.max_per_day = 2
        meeting_type.save()
    assert len(offered_that_day()) >= 10


def test_henna_changing_the_meeting_type_shows_on_the_page_at_once(
    client, django_capture_on_commit_callbacks
):
    assert "(30 min)" in client.get(BOOKING_URL).content.decode()
    meeting_type = MeetingType.objects.get(bookable_online=True)
    meeting_type.duration_minutes = 60
    meeting_type.in_kotka = False
    with django_capture_on_commit_callbacks(execute=True):
        meeting_type.save()
    body = client.get(BOOKING_URL).content.decode()
    assert "(60 min)" in body
    assert 'name="place"' not in body  # remote only: nothing to ask
    assert all(timezone.localtime(as_instant(s)).minute == 0 for s in offered_slots(body))


def test_an_expired_security_check_gives_the_form_back_with_what_was_typed(clock):
    from tests.conftest import HttpsClient

    browser = HttpsClient(enforce_csrf_checks=True)
    body = browser.get(BOOKING_URL).content.decode()
    clock.advance(60)
    response = browser.post(
        BOOKING_URL, booking_data(page_token(body), offered_slots(body)[0], name="Sanni Session")
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "turvatarkistus vanheni" in page
    assert 'value="Sanni Session"' in page
    assert not Meeting.objects.exists()


@pytest.fixture
def cache_round_trips(monkeypatch):
    """The calls this process makes to the site's cache, one per round trip (a call the backend
    makes from inside another, as get_or_set does, is not counted again)."""
    from django.core.cache import caches

    backend, calls, depth = caches["default"], [], [0]

    def counting(name, original):
        def call(*args, **kwargs):
            if depth[0] == 0:
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "set_many", "get_or_set", "add", "delete", "touch"):
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    return calls


def test_a_warm_booking_page_asks_the_database_once_and_the_cache_once(
    client, cache_round_trips, django_assert_num_queries
):
    from bookings.models import BusyInterval
    from tests.bookings.booking_helpers import booked

    meeting = booked(skip=2)
    free = offered_slots(client.get(BOOKING_URL).content.decode())
    busy_start = as_instant(free[0])
    BusyInterval.objects.create(start=busy_start, end=busy_start + timedelta(minutes=30))
    cache_round_trips.clear()
    # Both the meetings and the busy times of Henna's own calendar, in one query.
    with django_assert_num_queries(1):
        body = client.get(BOOKING_URL).content.decode()
    assert cache_round_trips == ["get_many"]
    offered = [as_instant(slot) for slot in offered_slots(body)]
    assert busy_start not in offered and meeting.start not in offered
    assert offered == [as_instant(slot) for slot in free[1:]]


def test_the_times_and_days_read_in_the_language_of_each_request(client):
    def first_labels(url):
        body = client.get(url).content.decode()
        legend = re.search(r"<legend>([^<]+)</legend><ul", body).group(1)
        label = re.search(r'<label for="id_slot_0_0">([^<]+)</label>', body).group(1)
        return legend, label

    finnish, english, finnish_again = (
        first_labels(BOOKING_URL),
        first_labels(BOOKING_URL_EN),
        first_labels(BOOKING_URL),
    )
    assert finnish == finnish_again
    assert FI_LEGEND.match(f"<legend>{finnish[0]}</legend>")
    assert EN_LEGEND.match(f"<legend>{english[0]}</legend>")
    assert re.fullmatch(r"\d{1,2}\.\d\d", finnish[1]) and re.fullmatch(r"\d{1,2}:\d\d", english[1])
