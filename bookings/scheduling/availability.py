"""The data the slot engine needs, for a window of days: the rules and the meetings.

The rules (the bookable meeting type, weekly hours, exceptions) are tiny tables that change
when Henna saves them in the admin: they are read from the site's one cache, under the content
version that bookings.scheduling.signals renews as each change commits. The meetings, which decide
whether a time is free, are always read anew, in one query for the window. Everything that
keeps Henna busy comes in as (start, end) intervals through `busy_intervals`: adding a source
(her own calendar, issue 14) is one more line there.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache

from django.db import connection
from django.utils import timezone

from aventuria.cache import cached

from ..models import AvailabilityException, BusyInterval, Meeting, MeetingType, WeeklyHours
from ..models.calendar import parse_utc
from . import slots

# Meetings are read this far beyond the window's days: a meeting type's buffers are at most
# 240 minutes (MeetingType's validators), and open hours never leave their day.
MARGIN = timedelta(hours=4)


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


def cached_rules() -> Rules:
    return cached("booking-rules", read_rules)


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


@cache
def busy_sql(vendor: str, ignoring: bool, spans: int) -> str:
    """The one query for both sources of busy times in a window, written once per database:
    the active meetings' blocked ranges (with their start and type, for the daily limit) and
    the busy times of Henna's own calendar that overlap one of `spans` spans (the open hours
    the free times can reach: her evenings are not read for every page). Instants come as ISO
    text in UTC, as models.calendar.UTCText reads them, parsed in Python at a fifth of the
    driver's cost; the ORM's query building and row conversion were a third of the booking
    page's time."""
    quote = connection.ops.quote_name
    meeting, busy = Meeting._meta.db_table, BusyInterval._meta.db_table

    def text(column: str) -> str:
        if vendor == "postgresql":
            return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return f"CAST({column} AS TEXT)"

    statuses = ", ".join(["%s"] * len(Meeting.ACTIVE_STATUSES))
    # Only our own table and column names and placeholders go into the text (S608).
    meetings = (
        f"SELECT {text('blocked_from')}, {text('blocked_until')}, {text('start')},"  # noqa: S608
        " meeting_type_id"
        f" FROM {quote(meeting)}"
        f" WHERE status IN ({statuses}) AND blocked_from < %s AND blocked_until > %s"
        # A hold not confirmed in time blocks nothing, even before expire_holds cancels it.
        " AND (hold_until IS NULL OR hold_until > %s)"
    )
    ignore = " AND id <> %s" if ignoring else ""
    if not spans:
        return f"{meetings}{ignore}"
    # The spans' outer bounds for the index (by the end: the past drops out at once), the
    # spans themselves as a filter on what it reads.
    overlaps = " OR ".join([f"(start < %s AND {quote('end')} > %s)"] * spans)
    own_calendar = (
        f"SELECT {text('start')}, {text(quote('end'))}, NULL, NULL"  # noqa: S608
        f" FROM {quote(busy)} WHERE start < %s AND {quote('end')} > %s AND ({overlaps})"
    )
    return f"{meetings}{ignore} UNION ALL {own_calendar}"


def busy_intervals(
    window: Window,
    *,
    reach: Sequence[tuple[datetime, datetime]] | None = None,
    ignore_meeting_id=None,
    count_type_id=None,
) -> tuple[list, Counter]:
    """What keeps Henna busy in the window (meetings with their buffers, and the busy times of
    her own calendar that overlap a span of `reach`, by default the whole window), and how many
    meetings of the type `count_type_id` fall on each day (for its daily limit):
    ([(start, end)], Counter({date: n})). One query, the same rows as
    Meeting.objects.blocking() and BusyInterval.objects.overlapping()."""
    adapt = connection.ops.adapt_datetimefield_value
    since, until = adapt(window.start), adapt(window.end)
    spans = [(window.start, window.end)] if reach is None else reach
    params = [*Meeting.ACTIVE_STATUSES, until, since, adapt(timezone.now())]
    if ignore_meeting_id is not None:
        params.append(ignore_meeting_id)
    if spans:
        # The index reads from the first span's start to the last one's end (the spans are in
        # order), not the whole window: a week's Monday and weekend drop out too.
        params += [adapt(max(end for _, end in spans)), adapt(min(start for start, _ in spans))]
        for start, end in spans:
            params += [adapt(end), adapt(start)]
    sql = busy_sql(connection.vendor, ignore_meeting_id is not None, len(spans))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    busy, per_day = [], Counter()
    for start, end, meeting_start, type_id in rows:
        busy.append((parse_utc(start), parse_utc(end)))
        if count_type_id is not None and type_id == count_type_id:
            per_day[slots.local_date(parse_utc(meeting_start))] += 1
    return busy, per_day


def load_availability(
    meeting_type: MeetingType, window: Window, *, ignore_meeting_id=None, rules: Rules | None = None
) -> slots.Availability:
    """The engine's input for a meeting type over the window: the busy times in one query, the
    rules as given (a page that has read them already) or from the cache."""
    rules = rules or cached_rules()
    open_hours = slots.Availability(
        rules=rules_for(meeting_type),
        weekly=rules.weekly,
        exceptions=rules.exceptions_in(window),
        holidays=slots.holidays_between(window.first_day, window.last_day),
    )
    busy, per_day = busy_intervals(
        window,
        reach=slots.reach(open_hours, first_day=window.first_day, last_day=window.last_day),
        ignore_meeting_id=ignore_meeting_id,
        count_type_id=meeting_type.pk if meeting_type.max_per_day else None,
    )
    return replace(open_hours, busy=busy, booked_per_day=per_day)


def free_slots(
    meeting_type: MeetingType, window: Window, *, now=None, ignore_meeting_id=None, rules=None
) -> list[datetime]:
    availability = load_availability(
        meeting_type, window, ignore_meeting_id=ignore_meeting_id, rules=rules
    )
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


@dataclass(frozen=True)
class Overlap:
    start: datetime
    meetings: list[Meeting] = field(default_factory=list)


def find_overlaps(
    *, meeting_type: MeetingType, sessions: Sequence[tuple[datetime, datetime]], exclude=None
) -> list[Overlap]:
    """The sessions that overlap an active meeting, buffers included, with those meetings: the
    same query and the same rule (slots.overlapping) as the free times."""
    if not sessions:
        return []
    ranges = [meeting_type.blocked_range(start, end) for start, end in sessions]
    candidates = Meeting.objects.blocking(
        min(since for since, _ in ranges), max(until for _, until in ranges)
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    by_range = {}
    for meeting in candidates.select_related("meeting_type", "inquiry"):
        by_range.setdefault((meeting.blocked_from, meeting.blocked_until), []).append(meeting)
    overlaps = []
    for (start, _end), span in zip(sessions, ranges, strict=True):
        hits = [m for hit in slots.overlapping(span, by_range) for m in by_range[hit]]
        if hits:
            overlaps.append(Overlap(start=start, meetings=hits))
    return overlaps
