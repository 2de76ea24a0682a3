"""Sending the outbox: every pending email (Notification) exactly once, even with several
senders at the same time, and the worker that keeps doing so (`send_notifications --watch`).

The emails are rendered when they are sent (bookings.outbox.emails), from the inquiry and the
meeting as they then are.
"""

import logging
import smtplib
import threading
import time
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..models import Notification
from .emails import build_email, is_out_of_date

logger = logging.getLogger(__name__)

# With INQUIRY_EMAIL_WORKER on PostgreSQL, a new inquiry wakes `send_notifications --watch`
# through this channel the moment its transaction commits.
WAKE_CHANNEL = "aventuria_notifications"
# How long the worker waits before trying a database that did not answer again.
DATABASE_RETRY_SECONDS = 5
# last_error of a meeting email that a later change made pointless; it is never sent.
OUT_OF_DATE = "OutOfDate"


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    def __str__(self):
        # Counts only: this lands in cron mail, journald and container logs.
        return f"Sent {self.sent}, failed {self.failed}."


def send_after_commit(*, inquiry_id: int | None) -> None:
    """Try the emails of a new inquiry (None: every pending one) right away;
    send_notifications retries what fails."""
    try:
        send_pending_notifications(inquiry_id=inquiry_id)
    except Exception:  # The inquiry is safe; the command sends the emails later.
        logger.exception("Sending the emails of inquiry %s failed; they stay pending", inquiry_id)


def send_pending_notifications(
    *,
    inquiry_id: int | None = None,
    new_only: bool = False,
    stop: threading.Event | None = None,
    result: SendResult | None = None,
) -> SendResult:
    """Send every pending email exactly once, even with several runs at the same time.

    Each email is sent while its row is locked (FOR UPDATE SKIP LOCKED on PostgreSQL), and
    marked sent in the same transaction: a concurrent run skips it, a later run sees it sent.
    new_only leaves the emails that failed before for a later round. When the mail server
    cannot be reached the round ends there: the rest wait, untried, for the next round. An
    email whose recipient the mail server refuses for good is not tried again. The counts go
    into `result` as they happen, so a caller still has them when the database fails mid-round.
    """
    result = SendResult() if result is None else result
    pending = Notification.objects.filter(sent_at__isnull=True, gave_up_at__isnull=True)
    if inquiry_id is not None:
        pending = pending.filter(inquiry_id=inquiry_id)
    if new_only:
        pending = pending.filter(attempts=0)
    # One connection to the mail server for the whole round, opened at the first email.
    mailer = get_connection()
    try:
        for notification_id in list(pending.values_list("pk", flat=True)):
            if stop is not None and stop.is_set():
                break
            with transaction.atomic():
                notification = (
                    Notification.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("inquiry", "meeting__meeting_type", "invoice")
                    .filter(pk=notification_id, sent_at__isnull=True, gave_up_at__isnull=True)
                    .first()
                )
                if notification is None:
                    continue
                if notification.meeting_id and is_out_of_date(notification):
                    # A reminder of a cancelled meeting, an invitation to a time since moved.
                    notification.gave_up_at = timezone.now()
                    notification.last_error = OUT_OF_DATE
                    notification.save(update_fields=["gave_up_at", "last_error"])
                    logger.info(
                        "Email %s of meeting %s version %s is out of date; not sent",
                        notification.kind,
                        notification.meeting_id,
                        notification.sequence,
                    )
                    continue
                notification.attempts += 1
                try:
                    mailer.open()
                except Exception as exc:
                    record_failure(notification, exc, result)
                    break  # The mail server does not answer: the rest wait for the next round.
                try:
                    mailer.send_messages([build_email(notification)])
                except Exception as exc:
                    mailer.close()  # The next email tries a fresh connection.
                    record_failure(notification, exc, result)
                    continue
                notification.sent_at = timezone.now()
                notification.last_error = ""
                notification.save(update_fields=["attempts", "last_error", "sent_at"])
                result.sent += 1
    finally:
        mailer.close()
    return result


def record_failure(notification: Notification, exc: Exception, result: SendResult) -> None:
    notification.last_error = type(exc).__name__
    fields = ["attempts", "last_error"]
    if recipient_refused_for_good(exc):
        notification.gave_up_at = timezone.now()
        fields.append("gave_up_at")
    notification.save(update_fields=fields)
    result.failed += 1
    logger.warning(
        "Email %s of inquiry %s not sent: %s%s",
        notification.kind,
        notification.inquiry_id,
        type(exc).__name__,
        "; recipient refused for good, not retried" if notification.gave_up_at else "",
    )


def recipient_refused_for_good(exc: Exception) -> bool:
    """The mail server refused every recipient with a permanent (5xx) reply, such as "no such
    user". Trying again cannot help; a temporary (4xx) refusal is tried again."""
    return (
        isinstance(exc, smtplib.SMTPRecipientsRefused)
        and bool(exc.recipients)
        and all(code >= 500 for code, _message in exc.recipients.values())
    )


def watch_notifications(
    *,
    stop: threading.Event,
    interval: float = 60,
    report=None,
    sqlite_poll: float = 2,
    each_round=None,
) -> None:
    """Send pending emails until `stop` is set: new ones as they come, failed ones again every
    `interval` seconds. A database that goes away is waited for, not a reason to exit.
    `each_round()`, if given, runs before each round, e.g. to queue the reminders now due: it
    runs at least every `interval` seconds."""
    listening_on = None
    retry_at = 0.0  # The first round retries what failed before the worker started.
    while not stop.is_set():
        try:
            if connection.vendor == "postgresql":
                # Listen before looking for pending emails, so that none committed in between
                # is missed.
                connection.ensure_connection()
                raw = connection.connection
                if raw is not listening_on:
                    with connection.cursor() as cursor:
                        cursor.execute(f"LISTEN {WAKE_CHANNEL}")
                    listening_on = raw
            if each_round is not None:
                each_round()
            retry = time.monotonic() >= retry_at
            # Between retries only new inquiries' emails: during a long mail outage each new
            # inquiry must not bring on another attempt at everything that is waiting.
            result = SendResult()
            try:
                send_pending_notifications(new_only=not retry, stop=stop, result=result)
            finally:
                if report and (result.sent or result.failed):
                    report(result)
            if retry:
                retry_at = time.monotonic() + interval
            if connection.vendor != "postgresql":
                stop.wait(min(sqlite_poll, max(retry_at - time.monotonic(), 0)))
                continue
            # One second at a time, so that a stop request is seen within a second.
            while not stop.is_set() and time.monotonic() < retry_at:
                with connection.wrap_database_errors:
                    if list(raw.notifies(timeout=1, stop_after=1)):
                        # Take the rest of a burst too: one round sends all their emails.
                        list(raw.notifies(timeout=0))
                        break
        except DatabaseError as exc:
            logger.warning("Email worker: database unavailable (%s); retrying", type(exc).__name__)
            connection.close_if_unusable_or_obsolete()
            listening_on = None
            stop.wait(DATABASE_RETRY_SECONDS)
    connection.close()
