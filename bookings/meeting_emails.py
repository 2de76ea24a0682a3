"""The emails about meetings: the invitation, its update and cancellation, the reminder, and
Henna's notification. They go through the same outbox as the inquiry emails (Notification
rows, sent by bookings.services.send_pending_notifications), one row per kind and version
(the meeting's SEQUENCE), so that each version's email goes out exactly once.

An email is rendered when it is sent, from the meeting as it then is. One queued for a version
that has since been replaced, or that no longer makes sense (a reminder of a cancelled or past
meeting, an invitation of a cancelled one), is out of date: it is marked given up, never sent.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from services.content import cached_practice

from .invitations import InvitationEmail, location, manage_link
from .models import Inquiry, Meeting, Notification
from .services import message_id, queue_emails

# The practice's wall clock: what the client is told, wherever their mail program is.
HELSINKI = ZoneInfo("Europe/Helsinki")

# "On Tuesday": Finnish needs the essive ("tiistaina"), which Django's weekday names lack.
WEEKDAYS_ON = (
    gettext_lazy("maanantaina"),
    gettext_lazy("tiistaina"),
    gettext_lazy("keskiviikkona"),
    gettext_lazy("torstaina"),
    gettext_lazy("perjantaina"),
    gettext_lazy("lauantaina"),
    gettext_lazy("sunnuntaina"),
)

TEMPLATES = {
    Notification.Kind.INVITATION: "meeting_invitation",
    Notification.Kind.CANCELLATION: "meeting_cancellation",
    Notification.Kind.REMINDER: "meeting_reminder",
    Notification.Kind.STAFF_MEETING: "staff_meeting",
}


class MeetingEvent(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"


def queue_meeting_emails(
    *, meeting: Meeting, event: MeetingEvent, notify_staff: bool = True
) -> None:
    """Within the meeting's transaction: queue the client's invitation (or cancellation) and
    Henna's notification for the meeting's current SEQUENCE, sent once the change commits.
    notify_staff=False when Henna made the change herself: she needs no email about it."""
    client_kind = (
        Notification.Kind.CANCELLATION
        if event == MeetingEvent.CANCELLED
        else Notification.Kind.INVITATION
    )
    kinds = (client_kind, Notification.Kind.STAFF_MEETING) if notify_staff else (client_kind,)
    Notification.objects.bulk_create(
        [
            Notification(
                inquiry_id=meeting.inquiry_id, meeting=meeting, kind=kind, sequence=meeting.sequence
            )
            for kind in kinds
        ],
        ignore_conflicts=True,
    )
    queue_emails(meeting.inquiry)


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every booked meeting that starts within MEETING_REMINDER_HOURS,
    once per version of the meeting: the unique constraint on (meeting, kind, sequence) makes
    two overlapping runs queue it once. A moved meeting (SEQUENCE raised) gets a reminder of its
    own for its new time. Returns how many meetings were due."""
    now = now or timezone.now()
    reminded = Notification.objects.filter(
        meeting=OuterRef("pk"), kind=Notification.Kind.REMINDER, sequence=OuterRef("sequence")
    )
    due = list(
        Meeting.objects.filter(
            status=Meeting.Status.BOOKED,
            start__gt=now,
            start__lte=now + timedelta(hours=settings.MEETING_REMINDER_HOURS),
        )
        .exclude(inquiry__status=Inquiry.Status.SPAM)
        .exclude(Exists(reminded))
        .values_list("pk", "inquiry_id", "sequence")
    )
    Notification.objects.bulk_create(
        [
            Notification(
                inquiry_id=inquiry_id,
                meeting_id=meeting_id,
                kind=Notification.Kind.REMINDER,
                sequence=sequence,
            )
            for meeting_id, inquiry_id, sequence in due
        ],
        ignore_conflicts=True,
    )
    return len(due)


def is_out_of_date(notification: Notification, now: datetime | None = None) -> bool:
    """Whether the meeting has changed so that this email must not go out any more."""
    meeting = notification.meeting
    if notification.sequence != meeting.sequence:
        return True  # A later version has emails of its own.
    match notification.kind:
        case Notification.Kind.REMINDER:
            return meeting.status != Meeting.Status.BOOKED or meeting.start <= (
                now or timezone.now()
            )
        case Notification.Kind.INVITATION:
            return not meeting.is_active
        case Notification.Kind.CANCELLATION:
            return meeting.is_active
    return False


def meeting_when(meeting: Meeting) -> str:
    """The meeting's time the Finnish way with the weekday, in the active language:
    "tiistaina 12.1.2027 klo 9.00–9.30", "Tuesday 12 January 2027, 9:00–9:30 (Finnish time)"."""
    start = meeting.start.astimezone(HELSINKI)
    end = meeting.end.astimezone(HELSINKI)
    # Translators: Django date format of a meeting's date ("12.1.2027"; English "j F Y").
    date_format = _("j.n.Y")
    # Translators: Django time format of a meeting's start and end ("9.00"; English "G:i").
    time_format = _("G.i")
    return _("%(weekday)s %(date)s klo %(start)s–%(end)s") % {
        "weekday": WEEKDAYS_ON[start.weekday()],
        "date": dateformat.format(start, date_format),
        "start": dateformat.format(start, time_format),
        "end": dateformat.format(end, time_format),
    }


def staff_event(meeting: Meeting) -> MeetingEvent:
    if not meeting.is_active:
        return MeetingEvent.CANCELLED
    return MeetingEvent.MOVED if meeting.sequence else MeetingEvent.BOOKED


def build_meeting_email(notification: Notification) -> EmailMessage:
    """The email for a meeting's notification, rendered from the meeting as it now is.

    The client's emails are in the inquiry's language, Henna's in Finnish. None of them carries
    what the client wrote: no note, no phone; Henna's only the kind, the time, the reference and
    the admin link, as for an inquiry.
    """
    meeting = notification.meeting
    inquiry = notification.inquiry
    practice = cached_practice()
    for_staff = notification.kind == Notification.Kind.STAFF_MEETING
    language = settings.LANGUAGE_CODE if for_staff else inquiry.language
    template = TEMPLATES[notification.kind]
    with translation.override(language):
        context = {
            "meeting": meeting,
            "inquiry": inquiry,
            "practice": practice,
            "type_name": str(meeting.meeting_type.name),
            "when": meeting_when(meeting),
            "place": location(meeting, practice),
            "remote": meeting.place == Meeting.Place.REMOTE,
            "updated": meeting.sequence > 0,
            # Team and work-community supervision: the contact person passes it on.
            "forward": inquiry.kind in Inquiry.GROUP_KINDS,
            "event": staff_event(meeting),
            "manage_link": manage_link(meeting),
            "admin_link": settings.SITE_URL + inquiry.get_admin_url(),
            "site_link": settings.SITE_URL + reverse("services:home"),
            "language_name": translation.get_language_info(inquiry.language)["name_translated"],
        }
        subject = render_to_string(f"bookings/email/{template}_subject.txt", context)
        body = render_to_string(f"bookings/email/{template}.txt", context)
    fields = {
        "subject": " ".join(subject.split()),
        "body": body,
        "to": [practice.email] if for_staff else [inquiry.email],
        # The client's replies must reach Henna, not the no-reply sender.
        "reply_to": [] if for_staff else [practice.email],
        "headers": {"Message-ID": message_id(notification)},
    }
    if notification.kind in (Notification.Kind.INVITATION, Notification.Kind.CANCELLATION):
        return InvitationEmail(meeting=meeting, **fields)
    return EmailMessage(**fields)
