"""Write paths for inquiries: submitting one, changing its status, sending its emails.

Views, the admin and the management commands call these; nothing else writes inquiries.
"""

import hashlib
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.debug import sensitive_variables

from services.models import Goal, Practice, PrivacyNotice

from .models import Inquiry, Notification, StatusChange
from .spam import RateLimit

logger = logging.getLogger(__name__)

# The same inquiry sent again within this time is the visitor resending it, not a new one.
RESUBMIT_WINDOW = timedelta(minutes=30)

# With INQUIRY_EMAIL_WORKER on PostgreSQL, a new inquiry wakes `send_notifications --watch`
# through this channel the moment its transaction commits.
WAKE_CHANNEL = "aventuria_notifications"
# How long the worker waits before trying a database that did not answer again.
DATABASE_RETRY_SECONDS = 5
# last_error of a meeting email that a later change made pointless; it is never sent.
OUT_OF_DATE = "OutOfDate"


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
            inquiry = Inquiry.objects.create(
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
            )
            if goals:
                # A new inquiry has no goals yet: insert them without goals.set()'s lookup.
                Inquiry.goals.through.objects.bulk_create(
                    Inquiry.goals.through(inquiry=inquiry, goal=goal) for goal in goals
                )
            StatusChange.objects.create(inquiry=inquiry, to_status=inquiry.status)
            if not is_spam:
                Notification.objects.bulk_create(
                    Notification(inquiry=inquiry, kind=kind) for kind in Notification.INQUIRY_KINDS
                )
                queue_emails(inquiry)
    except IntegrityError:
        # The same form arrived twice at once; the other request stored it.
        existing = Inquiry.objects.filter(submission_id=submission_id).first()
        if existing is None:
            raise
        return existing, False
    logger.info("Inquiry %s stored (%s)", inquiry.pk, inquiry.status)
    return inquiry, True


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


def queue_emails(inquiry: Inquiry) -> None:
    """Within the inquiry's transaction: have its pending emails sent once it commits."""
    if not settings.INQUIRY_EMAIL_WORKER:
        transaction.on_commit(partial(send_after_commit, inquiry_id=inquiry.pk))
    elif connection.vendor == "postgresql":
        # PostgreSQL delivers a notification only when (and if) the transaction commits.
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")
    # Elsewhere (SQLite, development only) the worker looks for pending emails every few seconds.


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    def __str__(self):
        # Counts only: this lands in cron mail, journald and container logs.
        return f"Sent {self.sent}, failed {self.failed}."


def send_after_commit(*, inquiry_id: int) -> None:
    """Try the emails of a new inquiry right away; send_notifications retries what fails."""
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
                    .select_related("inquiry", "meeting__meeting_type")
                    .filter(pk=notification_id, sent_at__isnull=True, gave_up_at__isnull=True)
                    .first()
                )
                if notification is None:
                    continue
                if notification.meeting_id and meeting_email_out_of_date(notification):
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


def meeting_email_out_of_date(notification: Notification) -> bool:
    # bookings.meeting_emails builds on this module, so it is imported when first needed.
    from .meeting_emails import is_out_of_date

    return is_out_of_date(notification)


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
    from .busy import start_sync_thread

    busy_calendar = start_sync_thread(stop=stop)  # Henna's own calendar, read beside the emails.
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
    if busy_calendar:
        busy_calendar.join(settings.BUSY_CALENDAR_TIMEOUT + 1)
    connection.close()


def build_email(notification: Notification) -> EmailMessage:
    """The email for a notification. None repeats what the client wrote."""
    if notification.meeting_id:
        from .meeting_emails import build_meeting_email

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
