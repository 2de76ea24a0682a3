"""Queueing emails: the rows of the outbox (Notification), written in the same transaction as
the change they tell about, and the wake-up for whoever sends them once it commits.

Nothing is sent from here. The emails go out from this process right after the commit, or,
with DJANGO_EMAIL_WORKER, from `send_notifications --watch`, which the commit wakes
(bookings.outbox.worker). One row per email and version of a meeting (its SEQUENCE): the unique
constraint on (meeting, kind, sequence) makes each go out once.
"""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import Inquiry, Invoice, Meeting, Notification
from .worker import WAKE_CHANNEL, send_after_commit


def wake_sender(inquiry_id: int | None) -> None:
    """Within the transaction: have the inquiry's pending emails (None: every pending email)
    sent once it commits."""
    if not settings.INQUIRY_EMAIL_WORKER:
        transaction.on_commit(partial(send_after_commit, inquiry_id=inquiry_id))
    elif connection.vendor == "postgresql":
        # PostgreSQL delivers a notification only when (and if) the transaction commits.
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")
    # Elsewhere (SQLite, development only) the worker looks for pending emails every few seconds.


def queue_inquiry_emails(inquiry: Inquiry) -> None:
    """Within the inquiry's transaction: the client's acknowledgement and Henna's notification."""
    Notification.objects.bulk_create(
        Notification(inquiry=inquiry, kind=kind) for kind in Notification.INQUIRY_KINDS
    )
    wake_sender(inquiry.pk)


def queue_invoice_emails(invoices: list[Invoice]) -> None:
    """Within the invoices' transaction: the PDF by email to each payer who takes it so; the
    unique constraint on the invoice sends each once."""
    Notification.objects.bulk_create(
        [
            Notification(invoice=invoice, kind=Notification.Kind.INVOICE)
            for invoice in invoices
            if invoice.delivery == invoice.payer.Delivery.EMAIL and invoice.buyer_email
        ],
        ignore_conflicts=True,
    )
    wake_sender(None)


def queue_meeting_emails(
    *, meeting: Meeting, notify_staff: bool = True, notify_client: bool = True
) -> None:
    """Within the meeting's transaction: queue the client's invitation (or, for a cancelled
    meeting, the cancellation) and Henna's notification for the meeting's current SEQUENCE,
    sent once the change commits. notify_staff=False when Henna made the change herself: she
    needs no email about it."""
    client_kind = (
        Notification.Kind.INVITATION if meeting.is_active else Notification.Kind.CANCELLATION
    )
    kinds = [client_kind] if notify_client else []
    if notify_staff:
        kinds.append(Notification.Kind.STAFF_MEETING)
    if not kinds:
        return
    Notification.objects.bulk_create(
        [
            Notification(
                inquiry_id=meeting.inquiry_id, meeting=meeting, kind=kind, sequence=meeting.sequence
            )
            for kind in kinds
        ],
        ignore_conflicts=True,
    )
    wake_sender(meeting.inquiry_id)


def queue_confirm_request(*, meeting: Meeting) -> None:
    """Within a hold's transaction: the one email a new client's booking sends, the link to
    confirm it. No invitation and no notification to Henna until they do."""
    Notification.objects.create(
        inquiry_id=meeting.inquiry_id,
        meeting=meeting,
        kind=Notification.Kind.CONFIRM_REQUEST,
        sequence=meeting.sequence,
    )
    wake_sender(meeting.inquiry_id)


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
            hold_until__isnull=True,
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
