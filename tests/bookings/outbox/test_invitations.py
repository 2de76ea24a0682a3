"""Every invitation, update and cancellation the client receives, parsed back with icalendar and
checked property by property, and the email around it checked part by part, the way Gmail,
Outlook and Apple Mail look for an invitation (iTIP, RFC 5546, by email: iMIP, RFC 6047)."""

import email
import email.policy
import re
from datetime import UTC, datetime

import pytest
from django.core import mail

from bookings.models import Meeting, MeetingType, Notification
from bookings.outbox.invitations import PRODID, build_invitation, invitation_ics_response
from bookings.scheduling import meetings
from services.models import Practice
from tests.bookings.meetings import (
    CLIENT,
    CONFIDENTIAL,
    VIDEO_LINK,
    book,
    calendar_parts,
    cancel,
    helsinki,
    intro_type,
    move,
    parse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a change as its transaction would, and return the emails it sent."""

    def run(change, *args, **kwargs):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = change(*args, **kwargs)
        return result, mail.outbox[before:]

    return run


def client_email(emails):
    [found] = [m for m in emails if m.to == [CLIENT["email"]]]
    return found


def the_invitation(email_message):
    """The iMIP part and the attachment of an email: both hold the same calendar object."""
    (alternative, ics), (attachment, attached) = calendar_parts(email_message)
    assert alternative.get_content_type() == "text/calendar"
    assert attachment.get_content_type() == "application/ics"
    assert parse(ics)[1]["uid"] == parse(attached)[1]["uid"]
    return alternative, attached


def test_the_confirmation_carries_an_invitation_every_property_checked(sent):
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9))
    part, ics = the_invitation(client_email(emails))
    calendar, event = parse(ics)

    assert calendar["version"] == "2.0"
    assert calendar["prodid"] == PRODID
    assert calendar["method"] == "REQUEST"
    assert part.get_param("method") == "REQUEST"  # Content-Type's method = METHOD (RFC 6047)
    assert part.get_param("charset") == "utf-8"
    assert event["uid"] == meeting.uid
    assert event["sequence"] == 0
    assert event["status"] == "CONFIRMED"
    # 9.00 in Helsinki in winter (UTC+2) is 07.00 UTC, written in UTC with no VTIMEZONE needed.
    assert event.decoded("dtstart") == datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2027, 1, 12, 7, 30, tzinfo=UTC)
    assert b"DTSTART:20270112T070000Z\r\n" in ics
    assert b"DTEND:20270112T073000Z\r\n" in ics
    assert re.search(rb"\r\nDTSTAMP:\d{8}T\d{6}Z\r\n", ics)
    assert event["organizer"] == "mailto:henna@aventuria.fi"
    assert event["organizer"].params["cn"] == "Aventuria ohjaus & terapia"
    attendee = event["attendee"]
    assert attendee == f"mailto:{CLIENT['email']}"
    assert attendee.params["cn"] == CLIENT["name"]
    assert attendee.params["role"] == "REQ-PARTICIPANT"
    assert attendee.params["partstat"] == "ACCEPTED"
    assert attendee.params["rsvp"] == "FALSE"
    # Gmail shows no invitation when the organizer is the recipient.
    assert event["organizer"] != attendee
    assert event["summary"] == "Tutustumistapaaminen, Aventuria ohjaus & terapia"
    assert event["location"] == VIDEO_LINK
    manage = f"http://127.0.0.1:8000/ajanvaraus/{meeting.manage_token}/"
    assert event["url"] == manage
    assert manage in event["description"]
    assert calendar.walk("VTIMEZONE") == []


def test_a_move_sends_the_same_uid_with_a_higher_sequence_and_the_new_time(sent):
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9))
    _, first = parse(the_invitation(client_email(emails))[1])
    _, emails = sent(move, meeting, helsinki(2027, 1, 14, 13, 30))
    moved = client_email(emails)
    part, ics = the_invitation(moved)
    calendar, event = parse(ics)

    assert calendar["method"] == "REQUEST"
    assert part.get_param("method") == "REQUEST"
    assert event["uid"] == first["uid"] == meeting.uid
    assert event["sequence"] == 1 > first["sequence"]
    assert event["status"] == "CONFIRMED"
    assert event.decoded("dtstart") == datetime(2027, 1, 14, 11, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    assert moved.subject == (
        "Tapaamisesi on muuttunut: Tutustumistapaaminen torstaina 14.1.2027 klo 13.30–14.00"
    )
    assert "torstaina 14.1.2027 klo 13.30–14.00" in moved.body
    assert "tiistaina" not in moved.body


def test_a_cancellation_is_method_cancel_status_cancelled_same_uid_higher_sequence(sent):
    meeting, _ = sent(book, helsinki(2027, 1, 12, 9))
    sent(move, meeting, helsinki(2027, 1, 13, 10))
    _, emails = sent(cancel, meeting)
    cancelled = client_email(emails)
    part, ics = the_invitation(cancelled)
    calendar, event = parse(ics)

    assert calendar["method"] == "CANCEL"
    assert part.get_param("method") == "CANCEL"
    assert event["status"] == "CANCELLED"
    assert event["uid"] == meeting.uid
    assert event["sequence"] == 2
    assert event["organizer"] == "mailto:henna@aventuria.fi"
    assert event["attendee"] == f"mailto:{CLIENT['email']}"
    assert event.decoded("dtstart") == datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
    assert cancelled.subject == (
        "Tapaamisesi on peruttu: Tutustumistapaaminen keskiviikkona 13.1.2027 klo 10.00–10.30"
    )
    # No manage link for what no longer exists; the way back to booking instead.
    assert meeting.manage_token not in cancelled.body
    assert "Voit varata uuden ajan täältä: http://127.0.0.1:8000/ajanvaraus/\n" in cancelled.body
    assert "Peru tai siirrä" not in event["description"]
    assert "url" not in event


@pytest.mark.parametrize(
    ("start", "utc", "text"),
    [
        # The last week of winter time, then summer time from Sunday 28.3.2027 (UTC+3).
        (helsinki(2027, 3, 25, 9), "20270325T070000Z", "torstaina 25.3.2027 klo 9.00–9.30"),
        (helsinki(2027, 3, 30, 9), "20270330T060000Z", "tiistaina 30.3.2027 klo 9.00–9.30"),
        # Back to winter time on Sunday 31.10.2027.
        (helsinki(2027, 10, 28, 15), "20271028T120000Z", "torstaina 28.10.2027 klo 15.00–15.30"),
        (helsinki(2027, 11, 2, 15), "20271102T130000Z", "tiistaina 2.11.2027 klo 15.00–15.30"),
    ],
)
def test_times_stay_right_across_the_changes_to_and_from_summer_time(sent, start, utc, text):
    _, emails = sent(book, start)
    confirmation = client_email(emails)
    _, ics = the_invitation(confirmation)
    assert f"DTSTART:{utc}\r\n".encode() in ics
    assert parse(ics)[1].decoded("dtstart") == start.astimezone(UTC)
    assert f"Aika: {text}\n" in confirmation.body


def test_an_english_client_gets_it_in_english_with_finnish_time_spelled_out(sent):
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9), language="en")
    confirmation = client_email(emails)
    _, event = parse(the_invitation(confirmation)[1])

    assert confirmation.subject == (
        "Your meeting is booked: Intro meeting on Tuesday 12 January 2027, 9:00–9:30 (Finnish time)"
    )
    assert "Time: Tuesday 12 January 2027, 9:00–9:30 (Finnish time)\n" in confirmation.body
    assert f"Video link: {VIDEO_LINK}\n" in confirmation.body
    # The English manage page (its address is translated by the booking pages).
    manage = re.search(r"http://127\.0\.0\.1:8000/en/\S+/", confirmation.body).group()
    assert meeting.manage_token in manage
    assert event["summary"] == "Intro meeting, Aventuria ohjaus & terapia"
    assert event["url"] == manage
    assert "Cancel or move the meeting:" in event["description"]


def test_a_meeting_in_kotka_has_the_practice_address_as_its_location(sent):
    _, emails = sent(book, helsinki(2027, 1, 12, 9), place=Meeting.Place.KOTKA)
    confirmation = client_email(emails)
    _, event = parse(the_invitation(confirmation)[1])
    assert event["location"] == "Aventuria ohjaus & terapia, Kotkansaari, 48100 Kotka"
    assert "Paikka: Aventuria ohjaus & terapia, Kotkansaari, 48100 Kotka\n" in confirmation.body


def test_lines_end_in_crlf_and_long_ones_are_folded_at_75_octets(sent):
    meeting_type = intro_type()
    long_link = "https://video.example.fi/j/" + "äö-aventuria-" * 20
    meeting_type.video_link = long_link
    meeting_type.save()
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9))
    _, ics = the_invitation(client_email(emails))

    assert ics.endswith(b"END:VCALENDAR\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # No bare LF anywhere.
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # Folded continuation lines.
    for line in lines:
        line.decode()  # Folding never splits a UTF-8 character.
    assert parse(ics)[1]["location"] == long_link  # Unfolds to the original.
    assert build_invitation(meeting, Practice.load(), method="REQUEST").endswith(b"\r\n")


def test_a_new_type_and_place_send_the_same_uid_with_the_new_location_and_end(sent, admin_user):
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9))
    _, first = parse(the_invitation(client_email(emails))[1])
    longer = MeetingType.objects.create(name="Yksilötyönohjaus", duration_minutes=90)
    _, emails = sent(
        meetings.change_meeting,
        meeting=meeting,
        user=admin_user,
        meeting_type=longer,
        place=Meeting.Place.KOTKA,
    )
    calendar, event = parse(the_invitation(client_email(emails))[1])
    assert calendar["method"] == "REQUEST"
    assert event["uid"] == first["uid"] == meeting.uid
    assert event["sequence"] == 1 > first["sequence"]
    assert event["location"] == "Aventuria ohjaus & terapia, Kotkansaari, 48100 Kotka"
    assert event.decoded("dtstart") == datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2027, 1, 12, 8, 30, tzinfo=UTC)
    assert event["summary"].startswith("Yksilötyönohjaus")


def test_the_mime_structure_is_the_one_mail_programs_recognise(sent):
    _, emails = sent(book, helsinki(2027, 1, 12, 9))
    confirmation = client_email(emails)
    # As the mail server receives it: serialised, then parsed again.
    received = email.message_from_bytes(
        confirmation.message().as_bytes(linesep="\r\n"), policy=email.policy.default
    )

    assert received.get_content_type() == "multipart/mixed"
    alternative, attachment = received.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, calendar_part = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "Aika: tiistaina 12.1.2027 klo 9.00–9.30" in text.get_content()
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    assert calendar_part.get_content_disposition() is None  # Inline: the invitation itself.
    assert parse(calendar_part.get_content().encode())[0]["method"] == "REQUEST"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_content().startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert received["Reply-To"] == "henna@aventuria.fi"
    # As Django's test outbox shows it.
    [(filename, content, mimetype)] = confirmation.attachments
    assert (filename, mimetype) == ("invite.ics", "application/ics")
    assert content == attachment.get_content()
    assert [mimetype for _, mimetype in confirmation.alternatives] == ["text/calendar"]
    assert received["To"] == CLIENT["email"]


def test_nothing_the_client_wrote_is_in_any_email_or_invitation(sent):
    meeting, emails = sent(book, helsinki(2027, 1, 12, 9))
    _, more = sent(move, meeting, helsinki(2027, 1, 13, 9))
    _, last = sent(cancel, meeting)
    everything = emails + more + last
    assert len(everything) == 6
    for message in everything:
        raw = message.message().as_bytes()
        decoded = "".join(
            part.get_payload(decode=True).decode()
            for part in email.message_from_bytes(raw).walk()
            if not part.is_multipart()
        )
        for secret in CONFIDENTIAL:
            assert secret not in decoded
            assert secret not in message.subject
    henna = [m for m in everything if m.to == ["henna@aventuria.fi"]]
    assert len(henna) == 3
    for message in henna:
        assert calendar_parts(message) == []
        for secret in (CLIENT["name"], CLIENT["email"], "Kärkkäinen"):
            assert secret not in message.body
            assert secret not in message.subject


def test_the_download_is_the_same_invitation_never_cached_publicly(sent):
    meeting, _ = sent(book, helsinki(2027, 1, 12, 9))
    response = invitation_ics_response(meeting, Practice.load())
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="invite.ics"'
    assert response["Cache-Control"] == "private, no-store"
    calendar, event = parse(response.content)
    # A file saved and opened is no iTIP message: no METHOD, so calendars add it plainly
    # instead of asking to accept an invitation (RFC 5546 applies to messages only).
    assert "METHOD" not in calendar
    assert b"METHOD" not in response.content
    assert "ATTENDEE" not in event
    assert event["uid"] == meeting.uid
    assert event["sequence"] == 0 and event["status"] == "CONFIRMED"
    for secret in CONFIDENTIAL:
        assert secret.encode() not in response.content


def test_each_version_of_a_meeting_is_emailed_once(sent):
    meeting, _ = sent(book, helsinki(2027, 1, 12, 9))
    sent(move, meeting, helsinki(2027, 1, 13, 9))
    sent(cancel, meeting)
    rows = Notification.objects.filter(meeting=meeting).order_by("sequence", "kind")
    assert [(row.sequence, row.kind, row.sent_at is not None) for row in rows] == [
        (0, "invite", True),
        (0, "staff_mtg", True),
        (1, "invite", True),
        (1, "staff_mtg", True),
        (2, "cancel", True),
        (2, "staff_mtg", True),
    ]
    assert len(mail.outbox) == 6


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ('Ann "Annie" O\'Brien', "Ann Annie O'Brien"),
        ("Virtanen; Matti", "Virtanen Matti"),
        ("Dr. Kärkkäinen: Tiimi, Kotka", "Dr. Kärkkäinen Tiimi Kotka"),
        ("Caret ^ and \\ back", "Caret and back"),
    ],
)
def test_display_names_keep_no_character_a_parser_could_stumble_on(typed, shown):
    """RFC 6868 escapes quotes in a parameter (^'), but node-ical cuts a name at ";" and
    vobject shows "^'": names are written without quotes, semicolons, colons, commas, carets
    or backslashes, so that every parser shows the same name."""
    meeting = book(helsinki(2027, 1, 12, 9))
    meeting.inquiry.name = typed
    meeting.inquiry.save()
    ics = build_invitation(meeting, Practice.objects.get(), method="REQUEST")
    [line] = [
        line
        for line in ics.replace(b"\r\n ", b"").decode().split("\r\n")
        if line.startswith("ATTENDEE;")
    ]
    # Quoted or not, the name itself holds nothing to escape: one ";" per parameter.
    assert f'CN="{shown}";' in line or f"CN={shown};" in line
    assert not set('^\\",:;') & set(shown)
    assert line.count(";") == line.count("=")
    assert parse(ics)[1]["attendee"].params["cn"] == shown


def test_a_street_address_goes_into_the_invitation_when_henna_gives_one(sent):

    Practice.objects.filter(pk=1).update(street_address="Keskuskatu 10 B 5")
    _, emails = sent(book, helsinki(2027, 1, 12, 9), place=Meeting.Place.KOTKA)
    confirmation = client_email(emails)
    _, event = parse(the_invitation(confirmation)[1])
    where = "Aventuria ohjaus & terapia, Keskuskatu 10 B 5, Kotkansaari, 48100 Kotka"
    assert event["location"] == where
    assert f"Paikka: {where}\n" in confirmation.body
