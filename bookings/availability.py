"""The data the slot engine needs, loaded for a window of days in a few small queries.

The rules are tiny tables; the meetings are read once for the window. Everything that keeps
Henna busy comes in as (start, end) intervals through `busy_intervals`: adding a source (her
own calendar, issue 14) is one more line there.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from . import slots
from .models import AvailabilityException, Meeting, MeetingType, WeeklyHours

# Meetings are read this far beyond the window's days: enough for any buffer.
MARGIN = timedelta(days=1)


def bookable_type() -> MeetingType | None:
    """The meeting type clients book on the site (the intro meeting)."""
    return MeetingType.objects.filter(bookable_online=True).order_by("pk").first()


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


def busy_intervals(window: Window, *, ignore_meeting_id=None) -> tuple[list, Counter]:
    """What keeps Henna busy in the window, and how many meetings of each type fall on each
    day: ([(start, end)], Counter({(meeting_type_id, date): n}))."""
    meetings = Meeting.objects.active().filter(
        blocked_from__lt=window.end, blocked_until__gt=window.start
    )
    if ignore_meeting_id is not None:
        meetings = meetings.exclude(pk=ignore_meeting_id)
    busy = []
    per_day = Counter()
    for blocked_from, blocked_until, start, type_id in meetings.values_list(
        "blocked_from", "blocked_until", "start", "meeting_type_id"
    ):
        busy.append((blocked_from, blocked_until))
        per_day[type_id, slots.local_date(start)] += 1
    return busy, per_day


def load_availability(
    meeting_type: MeetingType, window: Window, *, ignore_meeting_id=None
) -> slots.Availability:
    """The engine's input for a meeting type over the window: three queries."""
    weekly = [
        slots.WeeklyRange(weekday, start, end)
        for weekday, start, end in WeeklyHours.objects.values_list(
            "weekday", "start_time", "end_time"
        )
    ]
    exceptions = [
        slots.DayException(kind, first, last or first, start, end)
        for kind, first, last, start, end in AvailabilityException.objects.filter(
            Q(end_date__gte=window.first_day) | Q(start_date__gte=window.first_day),
            start_date__lte=window.last_day,
        ).values_list("kind", "start_date", "end_date", "start_time", "end_time")
    ]
    busy, per_day = busy_intervals(window, ignore_meeting_id=ignore_meeting_id)
    return slots.Availability(
        rules=rules_for(meeting_type),
        weekly=weekly,
        exceptions=exceptions,
        holidays=slots.holidays_between(window.first_day, window.last_day),
        busy=busy,
        booked_per_day={
            day: count for (type_id, day), count in per_day.items() if type_id == meeting_type.pk
        },
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
