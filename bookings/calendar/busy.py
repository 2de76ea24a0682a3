"""Busy times from Henna's own calendar: fetched, expanded, stored as bare intervals.

sync_busy_calendar() is called by `manage.py sync_busy_calendar` (cron) and, every
BUSY_CALENDAR_SYNC_MINUTES, by the email worker (`send_notifications --watch`). The stored
intervals are replaced only when the whole fetch and parse succeeded; otherwise the last known
busy times stay, the failure is recorded for the admin, and after an hour of failures Henna gets
one email about it.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from services.models import Practice

from ..models import BusyInterval, CalendarSync, MeetingType
from . import expand
from .expand import ExpansionRefused, expand_bounded
from .fetch import CalendarError, fetch

logger = logging.getLogger(__name__)

FAILURE_ALERT_AFTER = timedelta(hours=1)
# The agenda shows this many weeks ahead even when no meeting type is bookable that far.
MIN_WEEKS_AHEAD = 5

INVALID = _(
    "Osoitteesta ei tullut kelvollista iCalendar-kalenteria, joten mitään ei muutettu. Tarkista, "
    "että liitit kalenterin iCal-osoitteen (se päättyy usein .ics) etkä verkkosivun osoitetta."
)

UNEXPECTED = _("Kalenteria ei saatu luettua odottamattoman virheen vuoksi (%(error)s).")

TOO_HEAVY = _(
    "Kalenterin toistuvien tapahtumien laskeminen vei liikaa aikaa tai muistia, joten sitä ei "
    "luettu. Tarkista, toistuuko jokin tapahtuma hyvin usein tai hyvin kaukaa menneisyydestä."
)

ADDRESS_CHANGED = _("Osoite vaihtui haun aikana; uusi osoite haetaan seuraavaksi.")


@dataclass
class SyncResult:
    ok: bool
    intervals: int = 0
    error: str = ""

    def __str__(self):
        if self.ok:
            return f"Busy calendar: {self.intervals} busy intervals stored."
        return f"Busy calendar not updated: {self.error}"


def window(now: datetime) -> tuple[datetime, datetime]:
    """From a day back to the furthest any meeting type can be booked (and the agenda shows)."""
    weeks = MeetingType.objects.aggregate(weeks=Max("horizon_weeks"))["weeks"] or 0
    return now - timedelta(days=1), now + timedelta(weeks=max(weeks, MIN_WEEKS_AHEAD), days=1)


def busy_intervals(data: bytes, *, start: datetime, end: datetime) -> list[tuple]:
    """The merged busy (start, end) UTC intervals of an iCalendar file within [start, end),
    expanded in a child process with its CPU time, memory and wall time bounded (expand.py)."""
    try:
        return expand_bounded(data, start=start, end=end)
    except ExpansionRefused as exc:
        if exc.reason == expand.TOO_MANY:
            raise CalendarError(too_many()) from None
        if exc.reason == expand.TOO_HEAVY:
            raise CalendarError(TOO_HEAVY) from None
        if exc.reason == expand.TOO_MANY_ZONES:
            raise CalendarError(
                _("Kalenterissa on liikaa aikavyöhykkeitä (yli %(count)s), joten sitä ei luettu.")
                % {"count": expand.MAX_TIMEZONES}
            ) from None
        raise CalendarError(INVALID) from None


def too_many():
    return _("Kalenterissa on liikaa tapahtumia (yli %(count)s), joten sitä ei luettu.") % {
        "count": expand.MAX_OCCURRENCES
    }


def sync_busy_calendar(*, now: datetime | None = None) -> SyncResult:
    """Fetch Henna's calendar and replace the stored busy times, or record why it failed."""
    now = now or timezone.now()
    url = CalendarSync.objects.filter(pk=1).values_list("source_url", flat=True).first()
    if not url:
        return SyncResult(ok=True)
    start, end = window(now)
    try:
        intervals = busy_intervals(fetch(url), start=start, end=end)
    except CalendarError as exc:
        with translation.override(settings.LANGUAGE_CODE):
            message = str(exc.message)
        record_failure(url=url, message=message, now=now)
        return SyncResult(ok=False, error=message)
    except Exception as exc:
        # A bug or a case nobody foresaw must not leave the busy times silently stale: it is
        # recorded and, after an hour, emailed like any other failure.
        logger.exception("Busy calendar: reading it failed unexpectedly")
        with translation.override(settings.LANGUAGE_CODE):
            message = str(UNEXPECTED % {"error": type(exc).__name__})
        record_failure(url=url, message=message, now=now)
        return SyncResult(ok=False, error=message)
    with transaction.atomic():
        # First a write: it serialises concurrent runs (row lock on PostgreSQL, SQLite's write
        # lock), and an address changed in the meantime is not overwritten with the old one's.
        if not CalendarSync.objects.filter(pk=1, source_url=url).update(
            last_attempt_at=now,
            last_success_at=now,
            last_error="",
            failing_since=None,
            failure_alert_sent_at=None,
        ):
            return SyncResult(ok=False, error=str(ADDRESS_CHANGED))
        BusyInterval.objects.all().delete()
        BusyInterval.objects.bulk_create(
            BusyInterval(start=busy_start, end=busy_end) for busy_start, busy_end in intervals
        )
    logger.info("Busy calendar: %s busy intervals stored", len(intervals))
    return SyncResult(ok=True, intervals=len(intervals))


def record_failure(*, url: str, message: str, now: datetime) -> None:
    logger.warning("Busy calendar not fetched: %s", message)
    CalendarSync.objects.filter(pk=1, source_url=url).update(
        last_attempt_at=now, last_error=message, failing_since=Coalesce("failing_since", Value(now))
    )
    # Claimed with one conditional update, so that the worker and cron never both send it.
    claimed = CalendarSync.objects.filter(
        pk=1, failure_alert_sent_at__isnull=True, failing_since__lte=now - FAILURE_ALERT_AFTER
    ).update(failure_alert_sent_at=now)
    if claimed:
        try:
            send_failure_alert(CalendarSync.load())
        except Exception:
            logger.exception("Busy calendar: the failure email could not be sent; trying again")
            CalendarSync.objects.filter(pk=1).update(failure_alert_sent_at=None)


def send_failure_alert(sync: CalendarSync) -> None:
    """Tell Henna, once, that her busy times have not been updated for an hour."""
    practice = Practice.load()
    if practice is None or not practice.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "sync": sync,
            "admin_link": settings.SITE_URL
            + reverse("admin:bookings_calendarsync_change", args=[sync.pk]),
        }
        subject = render_to_string("bookings/email/busy_calendar_failing_subject.txt", context)
        body = render_to_string("bookings/email/busy_calendar_failing.txt", context)
    send_mail(" ".join(subject.split()), body, None, [practice.email])


def start_sync_thread(*, stop: threading.Event) -> threading.Thread | None:
    """Sync every BUSY_CALENDAR_SYNC_MINUTES beside the email worker, until stop is set.

    A thread of its own, so that a calendar server that hangs never holds up an email.
    """
    minutes = settings.BUSY_CALENDAR_SYNC_MINUTES
    if minutes <= 0:
        return None

    def run():
        try:
            while not stop.is_set():
                try:
                    sync_busy_calendar()
                except Exception:  # The worker must outlive a bug or a database outage here.
                    logger.exception("Busy calendar sync failed")
                    connection.close_if_unusable_or_obsolete()
                stop.wait(minutes * 60)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="busy-calendar", daemon=True)
    thread.start()
    return thread


def set_calendar_source(*, url: str) -> None:
    """Henna's calendar is read from url from now on (empty: not at all, and its busy times go).

    A new address starts with a clean status; the busy times read from the old one stay until
    the new one has been read, as for any failed fetch.
    """
    with transaction.atomic():
        sync = CalendarSync.load()
        if url == sync.source_url:
            return
        sync.source_url = url
        sync.last_attempt_at = sync.last_success_at = None
        sync.failing_since = sync.failure_alert_sent_at = None
        sync.last_error = ""
        sync.save()
        if not url:
            BusyInterval.objects.all().delete()
