"""The emails themselves, rendered when they are sent (bookings.outbox.worker) from the inquiry
and the meeting as they then are: an inquiry's acknowledgement and Henna's notification; a
meeting's invitation, its update and cancellation, the reminder, and Henna's notification.

None repeats what the client wrote. The practice's details come from the database, never the
cache: an address Henna has just saved is the one used.

A meeting's email queued for a version (SEQUENCE) that has since been replaced, or that no
longer makes sense (a reminder of a cancelled or past meeting, an invitation of a cancelled
one), is out of date: it is marked given up, never sent.
"""

from datetime import datetime
from email.utils import parseaddr
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from services.models import Practice

from ..billing import pdf
from ..models import Inquiry, Meeting, MeetingChange, Notification
from ..models.billing import invoice_day
from ..scheduling.slots import HELSINKI
from .invitations import InvitationEmail, location, manage_link

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
    Notification.Kind.CONFIRM_REQUEST: "meeting_confirm",
}


class MeetingEvent(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"


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
        case Notification.Kind.CONFIRM_REQUEST:
            # Confirmed, cancelled or expired meanwhile: the link has nothing left to do.
            return (
                not meeting.is_active
                or not meeting.is_hold
                or meeting.hold_until <= (now or timezone.now())
            )
    return False


def meeting_when(meeting: Meeting) -> str:
    """The meeting's time the Finnish way with the weekday, in the active language:
    "tiistaina 12.1.2027 klo 9.00–9.30", "Tuesday 12 January 2027, 9:00–9:30 (Finnish time)".
    The one way a meeting's time is written, on the client's pages and in every email."""
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


def start_when(instant: datetime) -> str:
    """A start alone, as meeting_when writes it: "tiistaina 12.1.2027 klo 9.00"."""
    start = instant.astimezone(HELSINKI)
    return _("%(weekday)s %(date)s klo %(start)s") % {
        "weekday": WEEKDAYS_ON[start.weekday()],
        "date": dateformat.format(start, _("j.n.Y")),
        "start": dateformat.format(start, _("G.i")),
    }


def moved_from(notification: Notification) -> datetime | None:
    """The time the meeting had before the change this email tells about, if it was moved."""
    return (
        MeetingChange.objects.filter(
            meeting_id=notification.meeting_id,
            action=MeetingChange.Action.MOVED,
            sequence=notification.sequence,
        )
        .values_list("old_start", flat=True)
        .first()
    )


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
    practice = Practice.load()
    for_staff = notification.kind == Notification.Kind.STAFF_MEETING
    language = settings.LANGUAGE_CODE if for_staff else inquiry.language
    template = TEMPLATES[notification.kind]
    old_start = moved_from(notification) if meeting.sequence else None
    with translation.override(language):
        context = {
            "meeting": meeting,
            "inquiry": inquiry,
            "practice": practice,
            "type_name": str(meeting.meeting_type.name),
            "when": meeting_when(meeting),
            "old_when": start_when(old_start) if old_start else "",
            "place": location(meeting, practice),
            "remote": meeting.place == Meeting.Place.REMOTE,
            # A hold's email does not carry the link: it is sent once the booking is confirmed.
            "video_link": "" if meeting.is_hold else meeting.remote_link,
            # A session Henna scheduled, not one the client booked: worded so, and moved by
            # asking her (bookings.scheduling.meetings.client_may_move).
            "scheduled": not meeting.booked_by_client,
            "updated": meeting.sequence > 0,
            # Team and work-community supervision: the contact person passes it on.
            "forward": inquiry.kind in Inquiry.GROUP_KINDS,
            "event": staff_event(meeting),
            "manage_link": manage_link(meeting),
            "confirm_link": confirm_link(meeting),
            "confirm_by": (
                dateformat.format(meeting.hold_until.astimezone(HELSINKI), _("G.i"))
                if meeting.is_hold
                else ""
            ),
            "admin_link": settings.SITE_URL + inquiry.get_admin_url(),
            "booking_link": settings.SITE_URL + reverse("bookings:booking"),
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
        return InvitationEmail(meeting=meeting, practice=practice, **fields)
    return EmailMessage(**fields)


def build_invoice_email(notification: Notification) -> EmailMessage:
    """An invoice's PDF to the organisation, in the invoice's language, from the invoice's own
    copy of both parties (nothing of the clients' inquiries)."""
    invoice = notification.invoice
    with translation.override(invoice.language):
        context = {
            "invoice": invoice,
            "total": number_format(invoice.total, 2, use_l10n=True),
            "due": invoice_day(invoice.due_date),
        }
        subject = render_to_string("bookings/email/invoice_subject.txt", context)
        body = render_to_string("bookings/email/invoice.txt", context)
        filename = _("lasku-%(number)s.pdf") % {"number": invoice.number}
        attachment = pdf.build_pdf(invoice)
    email = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[invoice.buyer_email],
        reply_to=[invoice.seller_email],
        headers={"Message-ID": message_id(notification)},
    )
    email.attach(filename, attachment, "application/pdf")
    return email


def confirm_link(meeting: Meeting) -> str:
    """The link in a hold's email that confirms it (a page with one button: a mail scanner
    that opens links confirms nothing)."""
    if not meeting.confirm_token:
        return ""
    return settings.SITE_URL + reverse("bookings:confirm", kwargs={"token": meeting.confirm_token})


def build_email(notification: Notification) -> EmailMessage:
    """The email for a notification. None repeats what the client wrote."""
    if notification.invoice_id:
        return build_invoice_email(notification)
    if notification.meeting_id:
        return build_meeting_email(notification)
    inquiry = notification.inquiry
    # From the database, not the cache: one query beside the mail server's round trip, and an
    # address Henna has just changed is the one used, whatever the cache holds.
    practice = Practice.load()
    if notification.kind == Notification.Kind.ACKNOWLEDGEMENT:
        language, template, to = inquiry.language, "acknowledgement", [inquiry.email]
        # The email invites a reply; it must reach Henna, not the sender's no-reply address.
        reply_to = [practice.email]
    else:
        language, template, to = settings.LANGUAGE_CODE, "staff_notification", [practice.email]
        reply_to = []
    with translation.override(language):
        context = {
            "inquiry": inquiry,
            "practice": practice,
            "admin_link": settings.SITE_URL + inquiry.get_admin_url(),
            "language_name": translation.get_language_info(inquiry.language)["name_translated"],
        }
        subject = render_to_string(f"bookings/email/{template}_subject.txt", context)
        body = render_to_string(f"bookings/email/{template}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=to,
        reply_to=reply_to,
        headers={"Message-ID": message_id(notification)},
    )


def message_id(notification: Notification) -> str:
    """The same Message-ID each time this notification is sent. Should the database go away
    after the mail server took an email but before it was marked sent, the next run sends it
    again; mail programs then show the two copies as one message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    created = int(notification.created_at.timestamp() * 1000)
    return f"<notification.{notification.pk}.{created}@{domain}>"
