"""The calendar invitation of a meeting (iCalendar, RFC 5545, sent as iTIP, RFC 5546).

One function builds it for every change: METHOD:REQUEST for a new or moved meeting, METHOD:CANCEL
for a cancelled one, always with the meeting's stable UID and its current SEQUENCE, so that mail
programs update or remove the one event they already have. Times are in UTC. Nothing the client
wrote (their note, their phone) goes into it.
"""

from datetime import UTC

from django.http import HttpResponse
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress, vText

from services.content import cached_practice

from .models import Meeting

PRODID = "-//Aventuria ohjaus & terapia//Ajanvaraus//FI"


def build_invitation(meeting: Meeting) -> bytes:
    """The iCalendar object for the meeting as it now is, CRLF line ends, folded lines."""
    inquiry = meeting.inquiry
    practice = cached_practice()
    cancelled = not meeting.is_active
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    with translation.override(inquiry.language):
        name = meeting.meeting_type.name
        event.add("summary", f"{name}, {practice.name}" if practice else name)
        event.add("location", location(meeting, practice))
    if practice is not None:
        organizer = vCalAddress(f"mailto:{practice.email}")
        organizer.params["cn"] = vText(practice.name)
        event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{inquiry.email}")
    attendee.params["cn"] = vText(inquiry.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def location(meeting: Meeting, practice) -> str:
    if meeting.place == Meeting.Place.REMOTE:
        return meeting.meeting_type.video_link or str(Meeting.Place.REMOTE.label)
    if meeting.place == Meeting.Place.KOTKA and practice is not None:
        return f"{practice.name}, {practice.postal_address}"
    return str(meeting.get_place_display())


def invitation_ics_response(meeting: Meeting) -> HttpResponse:
    """The invitation as a download (invite.ics); personal, so never kept by a shared cache."""
    response = HttpResponse(build_invitation(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
