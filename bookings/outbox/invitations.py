"""The calendar invitation of a meeting (iCalendar, RFC 5545, sent as iTIP, RFC 5546, by email
as iMIP, RFC 6047).

One function builds it for every change: METHOD:REQUEST for a new or changed meeting,
METHOD:CANCEL with STATUS:CANCELLED for a cancelled one, always with the meeting's stable UID and
its current SEQUENCE, so that calendar programs update or remove the one event they already have.
The same function builds the file the client downloads, without a METHOD and without the
attendee: a file opened by hand is no iTIP message, and calendars then add the event plainly
instead of asking to accept an invitation.
Times are in UTC, so no VTIMEZONE is needed and a summer-time change cannot move anything.
Nothing the client wrote (their note, their phone) goes into it.
"""

import re
from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from services.models import Practice

from ..models import Meeting

PRODID = "-//Aventuria ohjaus & terapia//Ajanvaraus//FI"
FILENAME = "invite.ics"


def manage_link(meeting: Meeting) -> str:
    """The client's own address for cancelling or moving the meeting."""
    return settings.SITE_URL + reverse("bookings:manage", kwargs={"token": meeting.manage_token})


# What a display name (CN) is written without. RFC 6868 would escape a quote as ^' and RFC 5545
# allows ;:, inside a quoted value, but node-ical cuts a name at ";" and vobject shows "^'":
# without these characters every parser shows the same name.
UNSAFE_IN_NAME = re.compile(r'[";:,^\\\x00-\x1f\x7f]')


def display_name(name: str) -> str:
    """A name as it is safe to put in a CN parameter: "Virtanen; Matti" → "Virtanen Matti"."""
    return " ".join(UNSAFE_IN_NAME.sub(" ", name).split())


def no_link_yet() -> str:
    """For a remote meeting whose link is not set yet: when and how it will come."""
    return _(
        "Videolinkki tulee myöhemmin: saat sen sähköpostitse päivitettynä kalenterikutsuna "
        "viimeistään tapaamista edeltävänä päivänä."
    )


def invitation_method(meeting: Meeting) -> str:
    return "REQUEST" if meeting.is_active else "CANCEL"


def build_invitation(meeting: Meeting, practice: Practice | None, *, method: str | None) -> bytes:
    """The iCalendar object for the meeting as it now is: CRLF line ends, lines folded at 75
    octets (icalendar does both), texts in the client's language.

    method: "REQUEST" or "CANCEL" (invitation_method) for an email's iTIP message; None for the
    file to download: no METHOD and no ATTENDEE, an event to add as it is (STATUS says whether
    it is cancelled)."""
    inquiry = meeting.inquiry
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method is not None:
        calendar.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("status", "CONFIRMED" if meeting.is_active else "CANCELLED")
    with translation.override(inquiry.language):
        name = str(meeting.meeting_type.name)
        practice_name = practice.name if practice else ""
        event.add("summary", f"{name}, {practice_name}" if practice_name else name)
        event.add("location", location(meeting, practice))
        if meeting.is_active:
            event.add("url", manage_link(meeting))
        if meeting.remote_link and meeting.is_active:
            # RFC 7986: calendars that know it (Apple's, Thunderbird) show a "join" button.
            event.add(
                "conference",
                meeting.remote_link,
                parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": _("Videoyhteys")},
            )
        event.add("description", description(meeting, practice))
    # Every calendar program needs an ORGANIZER that is not the recipient to show a REQUEST as an
    # invitation (Gmail shows none when they are the same): the practice, not the client.
    organizer_email = practice.email if practice else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    organizer = vCalAddress(f"mailto:{organizer_email}")
    if display_name(practice_name):
        organizer.params["cn"] = vText(display_name(practice_name))
    event.add("organizer", organizer)
    if method is None:
        calendar.add_component(event)
        return calendar.to_ical()
    attendee = vCalAddress(f"mailto:{inquiry.email}")
    if display_name(inquiry.name):
        attendee.params["cn"] = vText(display_name(inquiry.name))
    attendee.params["cutype"] = vText("INDIVIDUAL")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    # The client chose the time themselves: accepted already, and no reply is asked for, so
    # that accepting it in a calendar does not send Henna an email each time. A change of plan
    # goes through the manage link.
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def location(meeting: Meeting, practice) -> str:
    if meeting.place == Meeting.Place.REMOTE:
        return meeting.remote_link or str(Meeting.Place.REMOTE.label)
    if meeting.place == Meeting.Place.KOTKA and practice is not None:
        return f"{practice.name}, {practice.postal_address}"
    return str(meeting.get_place_display())


def description(meeting: Meeting, practice) -> str:
    lines = []
    if meeting.is_active:
        if meeting.remote_link:
            lines.append(_("Videoyhteys: %(link)s") % {"link": meeting.remote_link})
        elif meeting.place == Meeting.Place.REMOTE:
            lines.append(no_link_yet())
        if meeting.booked_by_client:
            lines.append(_("Peru tai siirrä tapaaminen: %(link)s") % {"link": manage_link(meeting)})
        else:
            lines.append(
                _("Tapaamisesi tiedot ja peruminen: %(link)s") % {"link": manage_link(meeting)}
            )
    else:
        lines.append(_("Tapaaminen on peruttu."))
    if practice is not None:
        lines.append(f"{practice.name} · {practice.email} · {practice.phone_display}")
    return "\n".join(lines)


class InvitationEmail(EmailMultiAlternatives):
    """An email carrying a meeting's invitation (or its cancellation) the way Gmail, Outlook and
    Apple Mail all recognise:

        multipart/mixed
          multipart/alternative
            text/plain; charset="utf-8"            the message, for people
            text/calendar; charset="utf-8"; method=REQUEST (or CANCEL)
          application/ics; name="invite.ics"       Content-Disposition: attachment

    Why this shape:
    - iMIP (RFC 6047 2.4) and Outlook want the iCalendar in a text/calendar part whose `method`
      parameter equals the object's METHOD. Outlook takes iMIP only from a text/calendar part,
      and in multipart/mixed only from its first child or that child's descendants (Microsoft's
      notes on Outlook and RFC 6047, 2.4; MS-OXCMAIL 2.1.3.3.8), hence the alternative as the
      mixed part's first child. Gmail and Apple Mail show the invitation from the same part.
    - As an alternative to the text, a mail program that understands calendars shows the
      invitation, and one that does not shows the text: the text repeats everything that matters.
    - The same object also as an `invite.ics` attachment, for programs that ignore calendar
      alternatives and for saving it by hand. It is application/ics (as Google Calendar sends
      its own): a second text/calendar with a method would be a second iTIP message to process.
    - The text and calendar parts are 8bit UTF-8 (Django's choice for UTF-8 text with short
      lines, and what Outlook itself sends; it reads iMIP as UTF-8 whatever the encoding says),
      the attachment base64, so that its CRLF line ends arrive untouched. On the wire Python's
      email package writes `method="REQUEST"`: in MIME a quoted value is the same value.
    """

    def __init__(self, *, meeting: Meeting, practice: Practice | None, **kwargs):
        super().__init__(**kwargs)
        self.method = invitation_method(meeting)
        ics = build_invitation(meeting, practice, method=self.method)
        self.attach_alternative(ics.decode(), "text/calendar")
        self.attach(FILENAME, ics, "application/ics")

    def message(self):
        msg = super().message()
        for part in msg.walk():
            if part.get_content_type() == "text/calendar":
                part.set_param("method", self.method)
            elif part.get_content_type() == "application/ics":
                # Older mail programs take an attachment's name from here, not the disposition.
                part.set_param("name", FILENAME)
        return msg


def invitation_ics_response(meeting: Meeting, practice: Practice | None) -> HttpResponse:
    """The meeting as a download (invite.ics): the invitation without METHOD and attendee;
    personal, so never kept by a shared cache."""
    response = HttpResponse(
        build_invitation(meeting, practice, method=None),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    response["Cache-Control"] = "private, no-store"
    return response
