"""The feed of Henna's meetings for her phone: a secret address that a new one revokes, valid
iCalendar with stable UIDs, no names unless she asks, and never kept by a shared cache."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from icalendar import Calendar, vDuration

from aventuria.shared_pages import SHARED
from bookings.models import CalendarFeed, Meeting
from tests.bookings.meetings import make_meeting
from tests.conftest import verified_client

SETTINGS_PAGE = "/admin/bookings/calendarfeed/1/change/"
NEW_ADDRESS = "/admin/bookings/calendarfeed/1/new-address/"


def new_address(admin_client) -> tuple[str, str]:
    """Press "Luo uusi osoite"; the https path and the webcal address shown."""
    response = admin_client.post(NEW_ADDRESS)
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    page = response.content.decode()
    webcal = re.search(r'value="(webcal://[^"]+)"', page).group(1)
    https = re.search(r'value="(https?://[^"]+)"', page).group(1)
    assert webcal.split("://")[1] == https.split("://")[1], "the same address, two schemes"
    return "/" + https.split("/", 3)[3], webcal


def events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def meetings(db):
    now = timezone.now().replace(second=0, microsecond=0)
    return {
        "next_week": make_meeting(now + timedelta(days=7), name="Äiniö Öljymäki"),
        "last_week": make_meeting(now - timedelta(days=7), name="Bertta Bäck", status="held"),
        "cancelled": make_meeting(now + timedelta(days=3), name="Cecilia", status="cancelled"),
        "long_ago": make_meeting(now - timedelta(days=40), name="Doris Dahl", status="held"),
    }


@pytest.mark.django_db
def test_the_feed_lists_recent_and_upcoming_meetings_without_names(client, admin_client, meetings):
    path, webcal = new_address(admin_client)
    assert re.fullmatch(r"webcal://[^/]+/kalenteri/[\w-]{40,}\.ics", webcal)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    nxt, last, cancelled = meetings["next_week"], meetings["last_week"], meetings["cancelled"]
    assert set(found) == {nxt.uid, last.uid, cancelled.uid}, "30 days back and all to come"
    event = found[nxt.uid]
    assert event["SUMMARY"] == f"Tutustumistapaaminen · {nxt.inquiry.reference}"
    assert event.decoded("DTSTART") == nxt.start.astimezone(UTC)
    assert f"DTSTART:{nxt.start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in response.content.decode()
    assert event.decoded("DTEND") == nxt.end.astimezone(UTC)
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["URL"].endswith(f"/admin/bookings/inquiry/{nxt.inquiry.pk}/change/")
    assert found[cancelled.uid]["STATUS"] == "CANCELLED"
    assert found[cancelled.uid]["SUMMARY"].startswith("Peruttu: Tutustumistapaaminen")
    body = response.content.decode()
    for private in ("Äiniö", "Bertta", "Cecilia", "aino.secret", "040 999", "henkilökohtaista"):
        assert private not in body


@pytest.mark.django_db
def test_names_appear_only_when_henna_turns_them_on_with_a_warning(client, admin_client, meetings):
    path, _webcal = new_address(admin_client)
    response = admin_client.post(SETTINGS_PAGE, {"with_names": "on"}, follow=True)
    assert "Asiakkaiden nimet näkyvät nyt kalenterissa" in response.content.decode()
    assert "Asiakkaiden nimet ovat näkyvissä kalenterissa" in (
        admin_client.get(SETTINGS_PAGE).content.decode()
    )
    found = events(client.get(path).content)
    meeting = meetings["next_week"]
    assert found[meeting.uid]["SUMMARY"] == (
        f"Tutustumistapaaminen · Äiniö Öljymäki · {meeting.inquiry.reference}"
    )
    body = client.get(path).content.decode()
    assert "aino.secret" not in body and "040 999" not in body, "names, never contact details"


@pytest.mark.django_db
def test_a_new_address_revokes_the_old_one_at_once(client, admin_client, meetings):
    old_path, _webcal = new_address(admin_client)
    assert client.get(old_path).status_code == 200
    new_path, _webcal = new_address(admin_client)
    assert new_path != old_path
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["x", "a" * 43, "../../etc/passwd"])
def test_a_wrong_address_is_not_found(client, admin_client, token):
    assert client.get(f"/kalenteri/{token}.ics").status_code == 404
    new_address(admin_client)
    assert client.get(f"/kalenteri/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_without_an_address_made_no_token_opens_the_feed(client):
    CalendarFeed.load()
    assert client.get("/kalenteri/.ics").status_code == 404
    assert client.get("/kalenteri/abc.ics").status_code == 404


@pytest.mark.django_db
def test_the_feed_is_never_kept_by_a_shared_cache_and_needs_no_session(client, admin_client):
    path, _webcal = new_address(admin_client)
    response = client.get(path)
    assert response["Cache-Control"] == "private, no-store"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    # Not marked as the same for every visitor: aventuria.shared_pages never keeps a copy.
    assert not response.wsgi_request.META.get(SHARED)
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_a_moved_meeting_shows_its_new_time_and_version(client, admin_client, meetings):
    path, _webcal = new_address(admin_client)
    meeting = meetings["next_week"]
    assert events(client.get(path).content)[meeting.uid]["SEQUENCE"] == 0
    meeting.refresh_from_db()
    meeting.start += timedelta(hours=2)
    meeting.end += timedelta(hours=2)
    meeting.sequence = 1
    meeting.set_blocked_range()
    meeting.save()
    event = events(client.get(path).content)[meeting.uid]
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == meeting.start.astimezone(UTC)


@pytest.mark.django_db
def test_times_are_right_across_the_summer_time_change(client, admin_client):
    # 9.00 in Helsinki on Tuesday 30.3.2027, after the change on Sunday 28.3.: 6.00 UTC.
    start = datetime(2027, 3, 30, 6, 0, tzinfo=UTC)
    meeting = make_meeting(start)
    path, _webcal = new_address(admin_client)
    event = events(client.get(path).content)[meeting.uid]
    assert event.decoded("DTSTART") == start
    assert b"DTSTART:20270330T060000Z" in client.get(path).content


@pytest.mark.django_db
def test_the_feed_costs_two_queries_however_many_meetings(
    client, admin_client, django_assert_max_num_queries
):
    now = timezone.now()
    for n in range(30):
        make_meeting(now + timedelta(days=n, hours=1))
    path, _webcal = new_address(admin_client)
    client.get(path)  # The practice's details are cached from the first request on.
    with django_assert_max_num_queries(2):
        response = client.get(path)
    assert len(events(response.content)) == 30


@pytest.mark.django_db
def test_only_those_who_may_change_the_settings_make_a_new_address(client):
    viewer = User.objects.create_user("katsoja", password="x" * 16, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_calendarfeed"))
    viewer_client = verified_client(viewer)
    assert viewer_client.get(SETTINGS_PAGE).status_code == 200
    assert viewer_client.post(NEW_ADDRESS).status_code == 403
    assert viewer_client.get(NEW_ADDRESS).status_code == 405
    assert CalendarFeed.load().token_hash == ""


@pytest.mark.django_db
def test_only_a_hash_of_the_token_is_stored(admin_client):
    path, _webcal = new_address(admin_client)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeed.load().token_hash
    assert token not in stored and len(stored) == 64


def test_meeting_statuses_that_hold_no_time_are_cancelled_in_the_feed():
    assert set(Meeting.Status) - set(Meeting.ACTIVE_STATUSES) == {"cancelled", "late_cancelled"}


@pytest.mark.django_db
def test_the_refresh_hints_are_durations_every_parser_reads(client, admin_client, meetings):
    """Outlook takes its refresh rate from X-PUBLISHED-TTL; ical.js refuses one that is not an
    RFC 5545 DURATION (Python's "0:15:00" is not)."""
    path, _webcal = new_address(admin_client)
    body = client.get(path).content
    assert b"\r\nX-PUBLISHED-TTL:PT15M\r\n" in body
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in body
    calendar = Calendar.from_ical(body)
    assert vDuration.from_ical(str(calendar["X-PUBLISHED-TTL"])) == timedelta(minutes=15)
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(minutes=15)


@pytest.mark.django_db
def test_the_very_first_address_does_not_speak_of_an_earlier_one(admin_client):
    first = admin_client.post(NEW_ADDRESS).content.decode()
    assert "Osoite näytetään vain nyt." in first
    assert "Aiempi osoite lakkasi toimimasta" not in first
    second = admin_client.post(NEW_ADDRESS).content.decode()
    assert "Aiempi osoite lakkasi toimimasta" in second


@pytest.mark.django_db
def test_the_new_address_comes_with_a_qr_code_and_copy_buttons_without_inline_script(
    admin_client,
):
    page = admin_client.post(NEW_ADDRESS).content.decode()
    qr = re.search(r'<svg role="img"[^>]*class="qr"><title>([^<]+)</title>', page)
    assert qr and qr[1] == "QR-koodi kalenterin osoitteesta"
    assert page.count('data-copy-target="') == 2
    assert 'data-copy-target="webcal-address"' in page and ">Kopioi</button>" in page
    assert re.search(r'<script src="[^"]*copy-address[^"]*\.js" defer></script>', page)
    assert "<script>" not in page and " style=" not in page.split("<svg", 1)[1].split("</svg>")[0]
