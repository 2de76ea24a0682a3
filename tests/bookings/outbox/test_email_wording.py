"""What the client's and Henna's meeting emails say beyond the time: the English greeting,
the way back to booking after a cancellation, the old time of a moved meeting, the video link
(or when it will come), and a session Henna scheduled told as one, not as a booking."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Inquiry, MeetingType
from bookings.outbox.emails import start_when
from bookings.scheduling import meetings
from services.models import Practice
from tests.bookings.booking_helpers import first_free
from tests.bookings.meetings import calendar_parts, helsinki, parse

pytestmark = pytest.mark.django_db

ROOM = "https://meet.example.fi/henna-huone"
OWN_LINK = "https://video.example.fi/j/123-456?pwd=abc"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a write function as a request would, and return the emails it sent."""

    def call(function, **kwargs):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = function(**kwargs)
        return result, mail.outbox[before:]

    return call


def to(emails, address):
    [found] = [email for email in emails if email.to == [address]]
    return found


def book(run, *, language="fi", email="bea@example.fi", skip=0, place="remote"):
    meeting_type = MeetingType.objects.get(bookable_online=True)
    (meeting, _created), emails = run(
        meetings.book_meeting,
        submission_id=None,
        meeting_type=meeting_type,
        start=first_free(meeting_type, skip),
        place=place,
        name="Bea Booker",
        email=email,
        language=language,
    )
    if meeting.is_hold:  # a new client: what follows their click on the link in the email
        meeting, emails = run(meetings.confirm_booking, token=meeting.confirm_token)
    return meeting, emails


@pytest.fixture
def supervision():
    """A session type Henna schedules herself: an hour, not on the booking page, no room."""
    return MeetingType.objects.create(
        name="Yksilötyönohjaus",
        name_fi="Yksilötyönohjaus",
        name_en="Individual supervision",
        duration_minutes=60,
        in_kotka=True,
        remote=True,
        bookable_online=False,
        cancel_cutoff_hours=48,
    )


def schedule(run, supervision, user, *, video_link="", language="fi", weeks=3):
    inquiry = Inquiry.objects.create(
        kind=Inquiry.Kind.INDIVIDUAL,
        name="Sami Sarja",
        email="sami@example.fi",
        language=language,
    )
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    start += timedelta(weeks=weeks)
    scheduled, emails = run(
        meetings.schedule_meetings,
        inquiry=inquiry,
        meeting_type=supervision,
        place="remote",
        sessions=[(start, start + supervision.duration)],
        video_link=video_link,
        user=user,
    )
    return scheduled[0], emails


def test_english_emails_go_on_with_a_capital_letter_after_hello(run, admin_user):
    meeting, _emails = book(run, language="en")
    run(
        meetings.move_meeting,
        meeting=meeting,
        new_start=first_free(meeting.meeting_type, 1),
        by_client=True,
    )
    run(meetings.cancel_meeting, meeting=meeting, by_client=True)
    to_bea = [e for e in mail.outbox if e.to == ["bea@example.fi"]]
    assert len(to_bea) == 4  # the request to confirm, the invitation, the move, the cancellation
    for email in to_bea:
        assert re.match(r"Hello,\n\n[A-Z]", email.body), email.body[:40]


def test_the_cancellation_leads_back_to_booking_in_the_clients_language(run):
    meeting, _ = book(run, language="en")
    _, emails = run(meetings.cancel_meeting, meeting=meeting, by_client=True)
    body = to(emails, "bea@example.fi").body
    assert "You can book a new time here: http://127.0.0.1:8000/en/booking/\n" in body


def test_a_move_names_the_old_time_to_the_client_and_to_henna(run, admin_user):
    meeting, _ = book(run)
    old = meeting.start
    _, emails = run(
        meetings.move_meeting,
        meeting=meeting,
        new_start=first_free(meeting.meeting_type, 1),
        by_client=True,
    )
    client, henna = to(emails, "bea@example.fi"), to(emails, Practice.load().email)
    local = timezone.localtime(old)
    weekdays = ["maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina"]
    old_text = (
        f"{weekdays[local.weekday()]} {local.day}.{local.month}.{local.year} klo {local:%-H.%M}"
    )
    assert f"\nAiempi aika: {old_text}\n" in client.body
    assert henna.subject.startswith("Tapaaminen muuttunut")
    assert f"\nAiempi aika: {old_text}\n" in henna.body
    # Henna changing only the place later: no old time to speak of in that email.
    _, emails = run(meetings.change_meeting, meeting=meeting, place="kotka", user=admin_user)
    assert "Aiempi aika" not in to(emails, "bea@example.fi").body


def test_a_remote_meeting_without_a_link_says_when_and_how_it_will_come(run):
    MeetingType.objects.filter(bookable_online=True).update(video_link="")
    _meeting, emails = book(run)
    body = to(emails, "bea@example.fi").body
    assert "Videoyhteys: Etänä" not in body
    assert "Paikka: Etänä (videoyhteys)\n" in body
    assert (
        "Videolinkki tulee myöhemmin: saat sen sähköpostitse päivitettynä kalenterikutsuna "
        "viimeistään tapaamista edeltävänä päivänä."
    ) in body
    _calendar, event = parse(calendar_parts(to(emails, "bea@example.fi"))[0][1])
    assert "CONFERENCE" not in event
    assert "Videolinkki tulee myöhemmin" in event["description"]


def test_the_types_meeting_room_is_the_link_in_email_invitation_and_manage_page(client, run):
    MeetingType.objects.filter(bookable_online=True).update(video_link=ROOM)
    meeting, emails = book(run)
    email = to(emails, "bea@example.fi")
    assert f"\nVideoyhteys: {ROOM}\n" in email.body
    _calendar, event = parse(calendar_parts(email)[0][1])
    assert event["location"] == ROOM
    assert event["conference"] == ROOM
    assert event["conference"].params["feature"] == "VIDEO"
    assert ROOM in client.get(f"/ajanvaraus/{meeting.manage_token}/").content.decode()
    # Never on a public page.
    assert ROOM not in client.get("/ajanvaraus/").content.decode()
    assert ROOM not in client.get("/").content.decode()


def test_hennas_own_link_for_a_meeting_is_a_new_version_of_its_invitation(client, run, admin_user):
    MeetingType.objects.filter(bookable_online=True).update(video_link=ROOM)
    meeting, _ = book(run)
    changed, emails = run(
        meetings.change_meeting, meeting=meeting, video_link=OWN_LINK, user=admin_user
    )
    assert changed.sequence == 1
    email = to(emails, "bea@example.fi")
    assert email.subject.startswith("Tapaamisesi on muuttunut")
    assert f"\nVideoyhteys: {OWN_LINK}\n" in email.body
    assert ROOM not in email.body
    _calendar, event = parse(calendar_parts(email)[0][1])
    assert (event["sequence"], event["location"], event["conference"]) == (1, OWN_LINK, OWN_LINK)
    assert meeting.changes.filter(action="changed").exists()
    page = client.get(f"/ajanvaraus/{meeting.manage_token}/").content.decode()
    assert f'href="{OWN_LINK.replace("&", "&amp;")}"' in page
    # The same link again changes nothing and sends nothing.
    again, emails = run(
        meetings.change_meeting, meeting=meeting, video_link=OWN_LINK, user=admin_user
    )
    assert again.sequence == 1 and emails == []


def test_a_scheduled_session_is_emailed_as_one_not_as_a_booking(run, supervision, admin_user):
    _meeting, emails = schedule(run, supervision, admin_user, video_link=OWN_LINK)
    email = to(emails, "sami@example.fi")
    assert email.subject.startswith("Sovittu tapaaminen: Yksilötyönohjaus ")
    assert "kiitos ajanvarauksestasi" not in email.body
    assert "tässä sovitun tapaamisemme tiedot:" in email.body
    assert f"Videoyhteys: {OWN_LINK}" in email.body
    assert "Voit perua tapaamisen tästä linkistä viimeistään 48 tuntia ennen sen alkua:" in (
        email.body
    )
    assert "perua tai siirtää" not in email.body
    assert "Jos haluat siirtää tapaamisen, sovitaan uusi aika: soita 045 7835 4299" in email.body
    _calendar, event = parse(calendar_parts(email)[0][1])
    assert "Peru tai siirrä" not in event["description"]


def test_a_scheduled_sessions_english_email_is_worded_for_it_too(run, supervision, admin_user):
    _meeting, emails = schedule(run, supervision, admin_user, language="en")
    email = to(emails, "sami@example.fi")
    assert email.subject.startswith("Session scheduled: Individual supervision on ")
    assert re.match(r"Hello,\n\nHere are the details of the session we agreed on:", email.body)
    assert "+358 45 7835 4299" in email.body


def test_the_old_time_is_the_start_alone_written_as_the_emails_write_times():
    assert start_when(helsinki(2027, 3, 30, 9, 30)) == "tiistaina 30.3.2027 klo 9.30"


def test_the_english_acknowledgement_of_an_inquiry_goes_on_with_a_capital_letter():
    from bookings.models import Notification
    from bookings.outbox.emails import build_email

    inquiry = Inquiry.objects.create(
        kind=Inquiry.Kind.INDIVIDUAL, name="Ann", email="ann@example.com", language="en"
    )
    notification = Notification.objects.create(
        inquiry=inquiry, kind=Notification.Kind.ACKNOWLEDGEMENT
    )
    body = build_email(notification).body
    assert body.startswith("Hello,\n\nThank you for getting in touch.")
    assert "+358 45 7835 4299" in body
