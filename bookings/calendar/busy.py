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
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import recurring_ical_events
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
from ..scheduling.slots import HELSINKI
from .fetch import CalendarError, fetch

logger = logging.getLogger(__name__)

FAILURE_ALERT_AFTER = timedelta(hours=1)
# The agenda shows this many weeks ahead even when no meeting type is bookable that far.
MIN_WEEKS_AHEAD = 5
# A calendar with more busy times than this in the window is not a person's calendar.
MAX_OCCURRENCES = 20_000
# Rules that repeat every second or minute would expand to millions of times.
REFUSED_FREQUENCIES = {"SECONDLY", "MINUTELY"}

INVALID = _(
    "Osoitteesta ei tullut kelvollista iCalendar-kalenteria, joten mitään ei muutettu. Tarkista, "
    "että liitit kalenterin iCal-osoitteen (se päättyy usein .ics) etkä verkkosivun osoitetta."
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


def as_instant(value) -> datetime:
    """An aware datetime for an iCalendar time: a date starts at midnight in Helsinki, and a
    floating time (no time zone) is Helsinki wall-clock time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    return value


def busy_intervals(data: bytes, *, start: datetime, end: datetime) -> list[tuple]:
    """The merged busy (start, end) UTC intervals of an iCalendar file within [start, end)."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, but also others on hostile input.
        raise CalendarError(INVALID) from None
    if calendar.name != "VCALENDAR":
        raise CalendarError(INVALID)
    for event in calendar.walk("VEVENT"):
        rule = event.get("RRULE")
        if rule and any(str(f).upper() in REFUSED_FREQUENCIES for f in rule.get("FREQ", [])):
            raise CalendarError(too_many())
    intervals = []
    try:
        query = recurring_ical_events.of(calendar)
        # A week at a time, so that an absurd calendar is stopped before it fills the memory.
        week_start = start
        while week_start < end:
            week_end = min(week_start + timedelta(weeks=1), end)
            for event in query.between(week_start, week_end):
                interval = busy_interval(event)
                if interval and interval[0] < week_end and interval[1] > week_start:
                    intervals.append(interval)
            if len(intervals) > MAX_OCCURRENCES:
                raise CalendarError(too_many())
            week_start = week_end
    except CalendarError:
        raise
    except Exception:
        raise CalendarError(INVALID) from None
    return merged(intervals)


def too_many():
    return _("Kalenterissa on liikaa tapahtumia (yli %(count)s), joten sitä ei luettu.") % {
        "count": MAX_OCCURRENCES
    }


def busy_interval(event) -> tuple[datetime, datetime] | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None  # Marked "free" (Google's "Näytä vapaana").
    start_value = event.decoded("DTSTART")
    if "DTEND" in event:
        end_value = event.decoded("DTEND")
    elif "DURATION" in event:
        end_value = start_value + event.decoded("DURATION")
    elif isinstance(start_value, datetime):
        return None  # RFC 5545: a time with no end takes no time.
    else:
        end_value = start_value + timedelta(days=1)
    if isinstance(start_value, date) and not isinstance(start_value, datetime):
        # All day: busy from midnight to midnight in Helsinki, whatever the calendar's zone.
        end_value = end_value.date() if isinstance(end_value, datetime) else end_value
    start, end = as_instant(start_value), as_instant(end_value)
    if start >= end:
        return None
    return start.astimezone(UTC), end.astimezone(UTC)


def merged(intervals: list[tuple]) -> list[tuple]:
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


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
