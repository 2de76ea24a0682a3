"""The data the slot engine needs, for a window of days: the rules and the meetings.

The rules (the bookable meeting type, weekly hours, exceptions) are tiny tables that change
when Henna saves them in the admin: they are read from the cache, which bookings.signals renews
as each change commits. The meetings, which decide whether a time is free, are always read
anew, in one query for the window. Everything that keeps Henna busy comes in as (start, end)
intervals through `busy_intervals`: adding a source (her own calendar, issue 14) is one more
line there.
"""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from . import slots
from .models import AvailabilityException, Meeting, MeetingType, WeeklyHours

# Meetings are read this far beyond the window's days: a meeting type's buffers are at most
# 240 minutes (MeetingType's validators), and open hours never leave their day.
MARGIN = timedelta(hours=4)


RULES_VERSION_KEY = "booking:rules-version"


@dataclass(frozen=True)
class Rules:
    bookable_type: MeetingType | None
    weekly: tuple[slots.WeeklyRange, ...]
    exceptions: tuple[slots.DayException, ...]

    def exceptions_in(self, window: "Window") -> tuple[slots.DayException, ...]:
        return tuple(
            e
            for e in self.exceptions
            if e.first_day <= window.last_day and e.last_day >= window.first_day
        )


def read_rules() -> Rules:
    """The rules from the database: three small queries."""
    recent = timezone.localdate() - timedelta(days=7)
    exceptions = AvailabilityException.objects.exclude(start_date__lt=recent, end_date__isnull=True)
    return Rules(
        bookable_type=MeetingType.objects.filter(bookable_online=True).order_by("pk").first(),
        weekly=tuple(
            slots.WeeklyRange(weekday, start, end)
            for weekday, start, end in WeeklyHours.objects.values_list(
                "weekday", "start_time", "end_time"
            )
        ),
        exceptions=tuple(
            slots.DayException(kind, first, last or first, start, end)
            for kind, first, last, start, end in exceptions.exclude(
                end_date__lt=recent
            ).values_list("kind", "start_date", "end_date", "start_time", "end_time")
        ),
    )


# This process's copy of the rules of the current version: one small cache read per request.
_rules_in_process: dict[str, Rules] = {}


def cached_rules() -> Rules:
    version = cache.get(RULES_VERSION_KEY)
    if version is None:
        cache.add(RULES_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(RULES_VERSION_KEY)
    rules = _rules_in_process.get(version)
    if rules is None:
        key = f"booking:rules:{version}"
        rules = cache.get(key)
        if rules is None:
            rules = read_rules()
            cache.set(key, rules, timeout=None)
        _rules_in_process.clear()
        _rules_in_process[version] = rules
    return rules


def rules_changed() -> None:
    cache.set(RULES_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def bookable_type() -> MeetingType | None:
    """The meeting type clients book on the site (the intro meeting)."""
    return cached_rules().bookable_type


def rules_for(meeting_type: MeetingType) -> slots.SlotRules:
    return slots.SlotRules(
        duration=meeting_type.duration,
        buffer_before=meeting_type.buffer_before,
        buffer_after=meeting_type.buffer_after,
        min_notice=timedelta(hours=meeting_type.min_notice_hours),
        horizon=timedelta(weeks=meeting_type.horizon_weeks),
        max_per_day=meeting_type.max_per_day,
    )


@dataclass(frozen=True)
class Window:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return slots.wall_clock(self.first_day, time(0)) - MARGIN

    @property
    def end(self) -> datetime:
        return slots.wall_clock(self.last_day + timedelta(days=1), time(0)) + MARGIN


def busy_intervals(
    window: Window, *, ignore_meeting_id=None, count_type_id=None
) -> tuple[list, Counter]:
    """What keeps Henna busy in the window, and how many meetings of the type `count_type_id`
    fall on each day (for its daily limit): ([(start, end)], Counter({date: n}))."""
    meetings = Meeting.objects.active().filter(
        blocked_from__lt=window.end, blocked_until__gt=window.start
    )
    if ignore_meeting_id is not None:
        meetings = meetings.exclude(pk=ignore_meeting_id)
    per_day = Counter()
    if count_type_id is None:
        if ignore_meeting_id is None:
            return window_busy(window), per_day
        return list(meetings.values_list("blocked_from", "blocked_until")), per_day
    busy = []
    for blocked_from, blocked_until, start, type_id in meetings.values_list(
        "blocked_from", "blocked_until", "start", "meeting_type_id"
    ):
        busy.append((blocked_from, blocked_until))
        if type_id == count_type_id:
            per_day[slots.local_date(start)] += 1
    return busy, per_day


# Stand-ins for the window's ends while the query is compiled (see window_busy).
_END, _START = datetime(1901, 1, 1, tzinfo=UTC), datetime(1902, 2, 2, tzinfo=UTC)


@lru_cache(maxsize=4)
def window_busy_sql(alias: str) -> tuple[str, list, int, int]:
    """The SQL of the booking page's one query, compiled by the ORM once per process: compiling
    it costs about as much as running it, and the page has a budget of 3 ms."""
    query = (
        Meeting.objects.using(alias)
        .active()
        .filter(blocked_from__lt=_END, blocked_until__gt=_START)
    )
    sql, params = query.values_list("blocked_from", "blocked_until").query.sql_with_params()
    ops = connections[alias].ops
    params = list(params)
    return (
        sql,
        params,
        params.index(ops.adapt_datetimefield_value(_END)),
        params.index(ops.adapt_datetimefield_value(_START)),
    )


def window_busy(window: Window) -> list[tuple[datetime, datetime]]:
    """Active meetings' times with buffers that touch the window, as aware UTC datetimes."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params, end_at, start_at = window_busy_sql(DEFAULT_DB_ALIAS)
    params = list(params)
    params[end_at] = connection.ops.adapt_datetimefield_value(window.end)
    params[start_at] = connection.ops.adapt_datetimefield_value(window.start)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones.
    return [(aware(blocked_from), aware(blocked_until)) for blocked_from, blocked_until in rows]


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def load_availability(
    meeting_type: MeetingType, window: Window, *, ignore_meeting_id=None
) -> slots.Availability:
    """The engine's input for a meeting type over the window: the meetings in one query, the
    rules from the cache."""
    rules = cached_rules()
    busy, per_day = busy_intervals(
        window,
        ignore_meeting_id=ignore_meeting_id,
        count_type_id=meeting_type.pk if meeting_type.max_per_day else None,
    )
    return slots.Availability(
        rules=rules_for(meeting_type),
        weekly=rules.weekly,
        exceptions=rules.exceptions_in(window),
        holidays=slots.holidays_between(window.first_day, window.last_day),
        busy=busy,
        booked_per_day=per_day,
    )


def free_slots(
    meeting_type: MeetingType, window: Window, *, now=None, ignore_meeting_id=None
) -> list[datetime]:
    availability = load_availability(meeting_type, window, ignore_meeting_id=ignore_meeting_id)
    return slots.free_slots(
        availability,
        now=now or timezone.now(),
        first_day=window.first_day,
        last_day=window.last_day,
    )


def first_bookable_day(meeting_type: MeetingType, now=None) -> date:
    return slots.local_date(
        (now or timezone.now()) + timedelta(hours=meeting_type.min_notice_hours)
    )


def last_bookable_day(meeting_type: MeetingType, now=None) -> date:
    return slots.local_date((now or timezone.now()) + timedelta(weeks=meeting_type.horizon_weeks))
