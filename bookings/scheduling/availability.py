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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from aventuria.cache import cached

from ..models import AvailabilityException, BusyInterval, Meeting, MeetingType, WeeklyHours
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


def busy_intervals(
    window: Window, *, ignore_meeting_id=None, count_type_id=None
) -> tuple[list, Counter]:
    """What keeps Henna busy in the window (meetings with their buffers, and the busy times of
    her own calendar), and how many meetings of the type `count_type_id` fall on each day (for
    its daily limit): ([(start, end)], Counter({date: n}))."""
    own_calendar = BusyInterval.objects.overlapping(window.start, window.end)
    meetings = Meeting.objects.blocking(window.start, window.end)
    if ignore_meeting_id is not None:
        meetings = meetings.exclude(pk=ignore_meeting_id)
    per_day = Counter()
    if count_type_id is None:
        return [*meetings.values_list("blocked_from", "blocked_until"), *own_calendar], per_day
    busy = own_calendar
    for blocked_from, blocked_until, start, type_id in meetings.values_list(
        "blocked_from", "blocked_until", "start", "meeting_type_id"
    ):
        busy.append((blocked_from, blocked_until))
        if type_id == count_type_id:
            per_day[slots.local_date(start)] += 1
    return busy, per_day


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
