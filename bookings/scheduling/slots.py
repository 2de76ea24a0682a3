"""The slot engine: which meeting start times are free. A pure function, no queries inside.

Rules (weekly hours, exceptions, public holidays, the meeting type's duration, buffers, notice,
horizon and daily limit), busy intervals and `now` go in; free start instants come out.
Weekly hours and exceptions are Helsinki wall-clock times, turned into instants per date with
zoneinfo, so the changes to and from summer time move nothing by an hour.

A day's open ranges are its weekly hours, unless the day is off (an "off" exception, or a
public holiday that Henna has not opened), plus any extra hours given for that date: extra
hours are the most specific rule, so they apply even on a day off. The meeting itself must fit
in an open range; its buffers only keep other meetings away (they may reach outside the hours).
Starts follow each other at the meeting's length plus its buffers, from the start of the range,
so a fully booked day has no gaps.
"""

from bisect import bisect_right
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class SlotRules:
    """What a meeting type says about its times."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(hours=24)
    horizon: timedelta = timedelta(weeks=8)
    max_per_day: int | None = None

    @property
    def step(self) -> timedelta:
        return self.duration + self.buffer_before + self.buffer_after


@dataclass(frozen=True)
class WeeklyRange:
    weekday: int  # date.weekday(): Monday 0
    start: time
    end: time


@dataclass(frozen=True)
class DayException:
    """An exception over a date range: "off" (no weekly hours), "extra" (a range on one date),
    "open_holiday" (a public holiday keeps its weekly hours)."""

    kind: str
    first_day: date
    last_day: date
    start: time | None = None
    end: time | None = None


OFF, EXTRA, OPEN_HOLIDAY = "off", "extra", "open_holiday"


@dataclass(frozen=True)
class Availability:
    """Everything the engine needs besides the window and `now`."""

    rules: SlotRules
    weekly: Sequence[WeeklyRange]
    exceptions: Sequence[DayException] = ()
    holidays: Container[date] = field(default_factory=frozenset)
    # (start, end) instants already taken: existing meetings' time with their buffers, and
    # whatever else keeps Henna busy.
    busy: Sequence[tuple[datetime, datetime]] = ()
    # Meetings of this type already on each Helsinki date, for the daily limit.
    booked_per_day: Mapping[date, int] = field(default_factory=dict)


@lru_cache(maxsize=16)
def finnish_holidays(year: int, language: str = "fi") -> Mapping[date, str]:
    """Finland's public holidays in a year with their names ("fi" or "en_US"), from the
    maintained `holidays` library: the one source of holidays for the free times, the
    scheduling preview and the agenda."""
    return dict(holidays.country_holidays("FI", years=year, language=language))


def holidays_between(first_day: date, last_day: date, language: str = "fi") -> dict[date, str]:
    """The public holidays from first_day to last_day (whole years), by date, with names."""
    days: dict[date, str] = {}
    for year in range(first_day.year, last_day.year + 1):
        days.update(finnish_holidays(year, language))
    return days


def blocked_range(
    start: datetime, end: datetime, *, buffer_before: timedelta, buffer_after: timedelta
) -> tuple[datetime, datetime]:
    """The time a meeting holds with its buffers: what no other meeting may overlap."""
    return start - buffer_before, end + buffer_after


def overlapping(
    span: tuple[datetime, datetime], busy: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The busy intervals that overlap span: the one rule for an overlap. Touching ends do not
    overlap (a meeting may start the minute the previous one's buffer ends)."""
    since, until = span
    return [interval for interval in busy if interval[0] < until and interval[1] > since]


def merged(busy: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The busy intervals joined where they overlap or touch, in order: disjoint, so their ends
    are in order too. A span overlaps one of these exactly when it overlaps one of the
    intervals they were made of."""
    joined: list[tuple[datetime, datetime]] = []
    for start, end in sorted(busy):
        if joined and start <= joined[-1][1]:
            if end > joined[-1][1]:
                joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def overlapping_merged(
    span: tuple[datetime, datetime],
    joined: Sequence[tuple[datetime, datetime]],
    ends: Sequence[datetime],
) -> list[tuple[datetime, datetime]]:
    """overlapping() over merged() intervals (and their ends), found by bisection: a week's
    ranges each look at the few intervals near them, not at all of them."""
    since, until = span
    found = []
    for index in range(bisect_right(ends, since), len(joined)):
        if joined[index][0] >= until:
            break
        found.append(joined[index])
    return found


def wall_clock(day: date, at: time) -> datetime:
    """The instant (UTC) of a Helsinki wall-clock time on a date. A time that the change to
    summer time skips (03.00-04.00 on the last Sunday of March) reads as an hour later."""
    return datetime.combine(day, at, tzinfo=HELSINKI).astimezone(UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(HELSINKI).date()


def open_ranges(day: date, availability: Availability) -> list[tuple[time, time]]:
    """The day's open ranges in wall-clock times, in order."""
    off = False
    opened = False
    extra: list[tuple[time, time]] = []
    for exception in availability.exceptions:
        if not exception.first_day <= day <= exception.last_day:
            continue
        if exception.kind == OFF:
            off = True
        elif exception.kind == OPEN_HOLIDAY:
            opened = True
        elif exception.kind == EXTRA and exception.start and exception.end:
            extra.append((exception.start, exception.end))
    if day in availability.holidays and not opened:
        off = True
    wall = (
        [] if off else [(r.start, r.end) for r in availability.weekly if r.weekday == day.weekday()]
    )
    return sorted((start, end) for start, end in wall + extra if start < end)


def reach(
    availability: Availability, *, first_day: date, last_day: date
) -> list[tuple[datetime, datetime]]:
    """The instants a free time on the dates first_day..last_day can touch: each open range
    widened by the buffers, joined where they meet. Only what keeps Henna busy inside these
    can take a time away (her calendar's evenings and weekends cannot), so only that is read."""
    spans = []
    day = first_day
    while day <= last_day:
        for wall_start, wall_end in open_ranges(day, availability):
            spans.append(
                range_reach(
                    wall_clock(day, wall_start), wall_clock(day, wall_end), availability.rules
                )
            )
        day += timedelta(days=1)
    return merged(spans)


def range_reach(
    range_start: datetime, range_end: datetime, rules: SlotRules
) -> tuple[datetime, datetime]:
    """What the meetings that start and end in an open range hold, buffers included."""
    return blocked_range(
        range_start, range_end, buffer_before=rules.buffer_before, buffer_after=rules.buffer_after
    )


def free_slots(
    availability: Availability, *, now: datetime, first_day: date, last_day: date
) -> list[datetime]:
    """Free start instants (UTC) on the Helsinki dates first_day..last_day, in order."""
    rules = availability.rules
    earliest = now + rules.min_notice
    latest = now + rules.horizon
    first_day = max(first_day, local_date(earliest))
    last_day = min(last_day, local_date(latest))
    # Sorted and joined once for the whole window, then bisected per range.
    busy = merged(availability.busy)
    ends = [end for _start, end in busy]
    slots: list[datetime] = []
    day = first_day
    while day <= last_day:
        limit = rules.max_per_day
        if limit is None or availability.booked_per_day.get(day, 0) < limit:
            for wall_start, wall_end in open_ranges(day, availability):
                range_start, range_end = wall_clock(day, wall_start), wall_clock(day, wall_end)
                # Only what touches this range, so each start is checked against a few.
                near = overlapping_merged(range_reach(range_start, range_end, rules), busy, ends)
                starts = starts_in_range(range_start, range_end, rules, near, earliest, latest)
                if (
                    range_start.astimezone(HELSINKI).utcoffset()
                    != range_end.astimezone(HELSINKI).utcoffset()
                ):
                    # Summer time starts or ends inside the range (03.00-04.00 is skipped or
                    # comes twice): only meetings the wall clock shows inside the hours.
                    starts = [s for s in starts if on_the_wall(s, rules, day, wall_start, wall_end)]
                slots += starts
        day += timedelta(days=1)
    return sorted(set(slots))


def starts_in_range(
    range_start: datetime,
    range_end: datetime,
    rules: SlotRules,
    busy: Sequence[tuple[datetime, datetime]],
    earliest: datetime,
    latest: datetime,
) -> Iterable[datetime]:
    start = range_start
    while start + rules.duration <= range_end:
        if earliest <= start <= latest:
            span = blocked_range(
                start,
                start + rules.duration,
                buffer_before=rules.buffer_before,
                buffer_after=rules.buffer_after,
            )
            if not overlapping(span, busy):
                yield start
        start += rules.step


def on_the_wall(start: datetime, rules: SlotRules, day: date, wall_start: time, wall_end: time):
    begins, ends = start.astimezone(HELSINKI), (start + rules.duration).astimezone(HELSINKI)
    return (
        begins.date() == ends.date() == day
        and wall_start <= begins.time()
        and (ends.time() <= wall_end)
    )


def is_free(availability: Availability, *, start: datetime, now: datetime) -> bool:
    """Whether a meeting may start at this instant."""
    day = local_date(start)
    return start in free_slots(availability, now=now, first_day=day, last_day=day)
