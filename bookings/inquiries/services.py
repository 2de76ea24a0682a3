"""Write paths for inquiries: submitting one, changing its status.

Views, the admin, the booking write path (bookings.scheduling.meetings) and the commands call
these; nothing else writes inquiries. Their emails are queued in the same transaction
(bookings.outbox.queue) and sent once it commits.
"""

import hashlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from services.models import Goal, PrivacyNotice

from ..models import Inquiry, StatusChange
from ..outbox.queue import queue_inquiry_emails
from .spam import RateLimit

logger = logging.getLogger(__name__)

# The same inquiry sent again within this time is the visitor resending it, not a new one.
RESUBMIT_WINDOW = timedelta(minutes=30)


def rate_limited(*, client_key: str, submission_id=None) -> bool:
    """Whether this address has already sent as many inquiries as the limit allows.

    A form that was already stored (a double click) does not count against itself, so the
    second click gets the same thank-you page as the first.
    """
    limit = RateLimit.parse(settings.INQUIRY_RATE_LIMIT)
    recent = Inquiry.objects.filter(client_key=client_key, created_at__gte=limit.window_start())
    if submission_id is not None:
        recent = recent.exclude(submission_id=submission_id)
    # Reading at most `limit.count` ids costs less than counting them all.
    return len(recent.values_list("pk", flat=True)[: limit.count]) >= limit.count


# What the visitor typed stays out of error reports (tracebacks show local variables).
@sensitive_variables()
def submit_inquiry(
    *,
    submission_id,
    kind: str,
    name: str,
    email: str,
    phone: str = "",
    organisation: str = "",
    participants: int | None = None,
    goals: list[Goal] | tuple = (),
    format: str = "",
    preferred_times: str = "",
    message: str = "",
    language: str = settings.LANGUAGE_CODE,
    client_key: str = "",
    privacy_notice: PrivacyNotice | None = None,
    is_spam: bool = False,
) -> tuple[Inquiry, bool]:
    """Store an inquiry and queue its two emails, to be sent once the row is committed.

    The emails go out from this process right after the commit, or, with INQUIRY_EMAIL_WORKER,
    from `send_notifications --watch`, which the commit wakes.

    The same submission_id (a form submitted twice) returns the first inquiry and False, and
    so does the same inquiry sent again soon with a fresh form (back, then send once more).
    """
    resent = Q(
        kind=kind,
        name=name,
        message=message,
        created_at__gte=timezone.now() - RESUBMIT_WINDOW,
        email__iexact=email.strip(),
    )
    if submission_id is not None:
        resent |= Q(submission_id=submission_id)
    try:
        with transaction.atomic():
            # Checked and stored while no other submission of the same content can be: eight
            # fresh forms with one content sent at once make one inquiry, not two.
            lock_content(kind=kind, name=name, email=email, message=message)
            existing = Inquiry.objects.filter(resent).first()
            if existing:
                return existing, False
            inquiry = create_inquiry(
                submission_id=submission_id,
                kind=kind,
                name=name,
                email=email,
                phone=phone,
                organisation=organisation,
                participants=participants if kind in Inquiry.GROUP_KINDS else None,
                format=format,
                preferred_times=preferred_times,
                message=message,
                language=language,
                client_key=client_key,
                privacy_notice=privacy_notice,
                status=Inquiry.Status.SPAM if is_spam else Inquiry.Status.NEW,
                goals=goals,
            )
            if not is_spam:
                queue_inquiry_emails(inquiry)
    except IntegrityError:
        # The same form arrived twice at once; the other request stored it.
        existing = Inquiry.objects.filter(submission_id=submission_id).first()
        if existing is None:
            raise
        return existing, False
    logger.info("Inquiry %s stored (%s)", inquiry.pk, inquiry.status)
    return inquiry, True


@sensitive_variables()
def create_inquiry(*, status: str, goals: Sequence[Goal] = (), **fields) -> Inquiry:
    """Within a transaction: the inquiry row, its goals and the first entry of its status
    history. Its emails are the caller's (submit_inquiry queues two; a booking's meeting has
    its own)."""
    inquiry = Inquiry.objects.create(status=status, **fields)
    if goals:
        # A new inquiry has no goals yet: insert them without goals.set()'s lookup.
        Inquiry.goals.through.objects.bulk_create(
            Inquiry.goals.through(inquiry=inquiry, goal=goal) for goal in goals
        )
    StatusChange.objects.create(inquiry=inquiry, to_status=status)
    return inquiry


def can_store_inquiries() -> bool:
    """Whether the database takes an inquiry now: a write that changes nothing, rolled back."""
    try:
        with transaction.atomic():
            Inquiry.objects.filter(pk__lt=0).update(status=Inquiry.Status.NEW)
            transaction.set_rollback(True)
    except DatabaseError:
        return False
    return True


def lock_content(*, kind: str, name: str, email: str, message: str) -> None:
    """Within a transaction: wait until no other transaction is storing the same content.

    PostgreSQL: a transaction-level advisory lock keyed on a hash of the content, so different
    inquiries never wait for each other. SQLite: nothing to do, its IMMEDIATE transactions
    (settings.DATABASES) already hold the one write lock from the start.
    """
    if connection.vendor != "postgresql":
        return
    content = "\x1f".join([kind, name, email.strip().lower(), message]).encode()
    key = int.from_bytes(hashlib.sha256(content).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def is_same_content(inquiry: Inquiry, *, goals=(), **fields) -> bool:
    """Whether the inquiry holds what was posted: False when a form already stored comes back
    with something edited."""
    if any(getattr(inquiry, name) != value for name, value in fields.items()):
        return False
    return {goal.pk for goal in goals} == set(inquiry.goals.values_list("pk", flat=True))


def change_status(*, inquiry: Inquiry, status: str, user=None) -> bool:
    """Set a new status and record who changed it and when. False when nothing changed."""
    if inquiry.status == status:
        return False
    with transaction.atomic():
        StatusChange.objects.create(
            inquiry=inquiry, from_status=inquiry.status, to_status=status, changed_by=user
        )
        inquiry.status = status
        fields = ["status", "updated_at"]
        if (
            status == Inquiry.Status.CLOSED
            and inquiry.client_ended_at is None
            and (inquiry.status_changes.filter(to_status=Inquiry.Status.CLIENT).exists())
        ):
            inquiry.client_ended_at = timezone.now()
            fields.append("client_ended_at")
        inquiry.save(update_fields=fields)
    return True
