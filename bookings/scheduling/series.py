"""A series of sessions: "every 4 weeks on Tuesdays at 14:00, 10 times".

A pure function, like the slot engine: the dates, holidays and exceptions come in, the sessions
come out, each with what Henna should know before she saves it. Each session is a wall-clock
time in Helsinki, turned into an instant on its own date, so a series that crosses a summer-time
change stays at 14:00 (and moves by an hour in UTC).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .slots import HELSINKI, wall_clock

MAX_SESSIONS = 60
MAX_EVERY_WEEKS = 52


@dataclass(frozen=True)
class DayOff:
    """A range of dates Henna has marked off (AvailabilityException of kind OFF)."""

    first: date
    last: date
    note: str = ""


@dataclass(frozen=True)
class Session:
    start: datetime  # aware, in UTC
    end: datetime
    holiday: str = ""  # the Finnish public holiday on that date, if any
    day_off: str = ""  # Henna's note on a day off that covers the date, or "-" without a note

    @property
    def flagged(self) -> bool:
        return bool(self.holiday or self.day_off)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(HELSINKI)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(HELSINKI)


def plan_series(
    *,
    first: date,
    at: time,
    duration: timedelta,
    every_weeks: int,
    count: int,
    holidays: Mapping[date, str] | None = None,
    days_off: Iterable[DayOff] = (),
) -> list[Session]:
    """`count` sessions, the first on `first` and then every `every_weeks` weeks, at `at`
    Helsinki time, each flagged when it falls on a public holiday or a day off."""
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise ValueError(f"every_weeks must be 1-{MAX_EVERY_WEEKS}")
    if not 1 <= count <= MAX_SESSIONS:
        raise ValueError(f"count must be 1-{MAX_SESSIONS}")
    holidays = holidays or {}
    days_off = list(days_off)
    sessions = []
    for number in range(count):
        day = first + timedelta(weeks=every_weeks * number)
        start = wall_clock(day, at)
        off = next((d for d in days_off if d.first <= day <= d.last), None)
        sessions.append(
            Session(
                start=start,
                end=start + duration,
                holiday=holidays.get(day, ""),
                day_off="" if off is None else (off.note or "-"),
            )
        )
    return sessions
