"""Sending the outbox: every pending email (Notification), each once, even with several
senders at the same time, and the worker that keeps doing so (`send_notifications --watch`).
What is guaranteed (nothing lost; a second copy only after a crash at one instant) is in
docs/emails.md.

The emails are rendered when they are sent (bookings.outbox.emails), from the inquiry and the
meeting as they then are.
"""

import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from services.models import Practice

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
# last_error of an email given up on after MAX_ATTEMPTS tries.
TOO_MANY_ATTEMPTS = "TooManyAttempts"
MAX_ATTEMPTS = 10
# RFC 5321 4.5.3.2.6: a client should wait at least 10 minutes for the reply to the end of DATA
# (the server may be storing or scanning the message). The worker and the command wait that
# long; a timeout sooner would resend a message the server has already taken.
FINAL_REPLY_SECONDS = 600
# Longer than any send can take (connecting, then FINAL_REPLY_SECONDS): a claim this old
# belongs to a sender that died, and another sender takes it over.
CLAIM_LEASE = timedelta(minutes=15)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0

    def __str__(self):
        # Counts only: this lands in cron mail, journald and container logs.
        return f"Sent {self.sent}, failed {self.failed}."


# The web process (DJANGO_EMAIL_WORKER=0): a request's emails go out once its response has been
# sent. The WSGI server calls the response's close() after writing it, which sends
# request_finished; so the visitor has the confirmation page at once, whatever the mail server
# does. Outside a request (a command, the worker) they go at once.
_request = threading.local()


def defer_to_response_end(**kwargs) -> None:
    _request.after_response = []


def send_deferred(**kwargs) -> None:
    sends, _request.after_response = getattr(_request, "after_response", None), None
    for send in sends or ():
        send()


def connect_signals() -> None:
    """Called by the app's ready()."""
    request_started.connect(defer_to_response_end, dispatch_uid="outbox-defer")
    request_finished.connect(send_deferred, dispatch_uid="outbox-send-deferred")


def send_after_commit(*, inquiry_id: int | None) -> None:
    """Try the emails of a new inquiry (None: every pending one) once the response is out (or
    now, outside a request); send_notifications retries what fails."""
    deferred = getattr(_request, "after_response", None)
    if deferred is not None:
        deferred.append(partial(send_now, inquiry_id=inquiry_id))
    else:
        send_now(inquiry_id=inquiry_id)


def send_now(*, inquiry_id: int | None) -> None:
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
    reply_timeout: float | None = None,
) -> SendResult:
    """Send every pending email, each once, even with several runs at the same time.

    Claim, send, record: each email's row is first claimed (claimed_at set, attempts counted)
    in a short transaction that commits before the mail server is spoken to; then the email is
    sent with no database lock held; then it is marked sent. A concurrent run skips a claimed
    row; a claim older than CLAIM_LEASE belongs to a sender that died and is taken over. So a
    slow mail server costs time, never a lock that the booking pages wait for, and a copy is
    sent twice only if a sender dies between the mail server's acceptance and the mark.

    reply_timeout: seconds to wait for each reply once connected (the worker and the command
    give RFC 5321's 10 minutes for the final reply to DATA); None keeps EMAIL_TIMEOUT, for the
    web process, which a visitor is waiting on. Connecting and the greeting always have
    EMAIL_TIMEOUT.

    new_only leaves the emails that failed before for a later round. When the mail server
    cannot be reached the round ends there: the rest wait, untried, for the next round. An
    email whose recipient the mail server refuses for good is not tried again, nor one tried
    MAX_ATTEMPTS times (Henna is told). From the third attempt on, tries are spaced out
    (retry_delay). The counts go into `result` as they happen, so a caller still has them
    when the database fails mid-round.
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
            notification = claim(notification_id)
            if notification is None:
                continue
            try:
                if mailer.open() and reply_timeout:
                    # Connected and greeted within EMAIL_TIMEOUT; every reply from here on
                    # (the final one to DATA above all) may take up to reply_timeout.
                    sock = getattr(getattr(mailer, "connection", None), "sock", None)
                    if sock is not None:
                        sock.settimeout(reply_timeout)
            except Exception as exc:
                record_failure(notification, exc, result)
                break  # The mail server does not answer: the rest wait for the next round.
            try:
                mailer.send_messages([build_email(notification)])
            except Exception as exc:
                mailer.close()  # The next email tries a fresh connection.
                record_failure(notification, exc, result)
                continue
            record_sent(notification)
            result.sent += 1
    finally:
        mailer.close()
    return result


def retry_delay(attempts: int) -> timedelta:
    """How long after its last attempt an email that failed `attempts` times waits: the next
    round for the first two, then 5 minutes doubling up to 4 hours (the tenth and last attempt
    comes about 9 hours after the first)."""
    if attempts < 3:
        return timedelta(0)
    return min(timedelta(minutes=5) * 2 ** (attempts - 3), timedelta(hours=4))


def claim(notification_id: int) -> Notification | None:
    """The row, claimed for this sender and committed; None when it is not this sender's to
    send (sent, given up, claimed by a live sender, not yet due) or no longer worth sending."""
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_related("inquiry", "meeting__meeting_type", "invoice")
            .filter(pk=notification_id, sent_at__isnull=True, gave_up_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .first()
        )
        if notification is None:
            return None
        if notification.last_attempt_at and (
            now < notification.last_attempt_at + retry_delay(notification.attempts)
        ):
            return None
        if notification.meeting_id and is_out_of_date(notification):
            # A reminder of a cancelled meeting, an invitation to a time since moved.
            give_up(notification, OUT_OF_DATE, now)
            logger.info(
                "Email %s of meeting %s version %s is out of date; not sent",
                notification.kind,
                notification.meeting_id,
                notification.sequence,
            )
            return None
        if notification.attempts >= MAX_ATTEMPTS:
            given_up = give_up(notification, TOO_MANY_ATTEMPTS, now)
            logger.error(
                "Email %s of inquiry %s not sent after %s attempts; given up",
                notification.kind,
                notification.inquiry_id,
                notification.attempts,
            )
            if not given_up:
                return None
        else:
            given_up = False
            # Conditional on the claim as read: of two senders that read the row, one wins.
            claimed = Notification.objects.filter(
                pk=notification.pk,
                sent_at__isnull=True,
                gave_up_at__isnull=True,
                claimed_at=notification.claimed_at,
            ).update(claimed_at=now, last_attempt_at=now, attempts=F("attempts") + 1)
            if not claimed:
                return None
    if given_up:
        tell_henna_given_up(notification)  # After the commit, outside the lock.
        return None
    notification.claimed_at = notification.last_attempt_at = now
    notification.attempts += 1
    return notification


def give_up(notification: Notification, reason: str, now) -> bool:
    """Whether this sender gave it up (of two at once, one does)."""
    notification.gave_up_at, notification.last_error = now, reason
    return bool(
        Notification.objects.filter(pk=notification.pk, gave_up_at__isnull=True).update(
            gave_up_at=now, last_error=reason
        )
    )


def record_sent(notification: Notification) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=timezone.now(), last_error="", claimed_at=None
        )


def record_failure(notification: Notification, exc: Exception, result: SendResult) -> None:
    """The failed try is released at once (claimed_at cleared) for the next round's retry."""
    notification.last_error = type(exc).__name__
    fields = {"last_error": notification.last_error, "claimed_at": None}
    if recipient_refused_for_good(exc):
        notification.gave_up_at = fields["gave_up_at"] = timezone.now()
    with transaction.atomic():
        # Only our own claim: had it been taken over, the new sender's record stands.
        Notification.objects.filter(pk=notification.pk, claimed_at=notification.claimed_at).update(
            **fields
        )
    result.failed += 1
    logger.warning(
        "Email %s of inquiry %s not sent: %s%s",
        notification.kind,
        notification.inquiry_id,
        type(exc).__name__,
        "; recipient refused for good, not retried" if notification.gave_up_at else "",
    )


def tell_henna_given_up(notification: Notification) -> None:
    """Best effort: Henna hears that an email was given up on (the inquiry's page in the admin
    shows it too); through a mail server that refused it ten times this may fail as well."""
    practice = Practice.load()
    if practice is None or not practice.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(_("Sähköpostia ei saatu lähetettyä"))
        body = str(
            _(
                "Viestiä (%(kind)s) ei saatu lähetettyä %(attempts)s yrityksen jälkeen, joten "
                "sen lähettäminen lopetettiin. Tarkista yhteydenotto ja ota asiakkaaseen "
                "tarvittaessa yhteyttä itse:\n\n%(link)s\n"
            )
            % {
                "kind": notification.get_kind_display(),
                "attempts": notification.attempts,
                "link": settings.SITE_URL + admin_link(notification),
            }
        )
    try:
        send_mail(subject, body, None, [practice.email])
    except Exception:
        logger.exception("Telling Henna of a given-up email failed")


def admin_link(notification: Notification) -> str:
    """The admin page the email belongs to: its inquiry, or the invoice it carried."""
    if notification.inquiry_id is None and notification.invoice_id is not None:
        return reverse("admin:bookings_invoice_change", args=[notification.invoice_id])
    return reverse("admin:bookings_inquiry_change", args=[notification.inquiry_id])


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
                send_pending_notifications(
                    new_only=not retry,
                    stop=stop,
                    result=result,
                    reply_timeout=FINAL_REPLY_SECONDS,
                )
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
