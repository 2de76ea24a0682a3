"""Expanding a calendar file into busy intervals, in a child process whose CPU time, memory and
wall time are bounded.

A calendar file is whatever the address Henna pasted returns, and a few hundred bytes of
RRULE (`FREQ=DAILY;BYHOUR=0,...,23;BYMINUTE=0,...,59;BYSECOND=0,...,59`) expand to hundreds of
thousands of times; twenty `FREQ=HOURLY` events starting in 1900 are iterated hour by hour up to
today, and thousands of VTIMEZONEs take minutes to parse. So the parsing and the expansion run
in a fresh interpreter (nothing of Django, nothing of the parent's memory) that limits its own
address space and CPU time with setrlimit, and the parent kills it at the wall deadline. Inside,
the expansion runs one day at a time over the window only, counting every occurrence as it is
produced: one event over MAX_PER_EVENT or the whole file over MAX_OCCURRENCES stops it at once.

Pure Python with icalendar and recurring-ical-events: `python -m bookings.calendar.expand`
reads the file on stdin and writes JSON on stdout.
"""

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
# A calendar with more busy times than this in the window is not a person's calendar.
MAX_OCCURRENCES = 20_000
# One event repeating more often than this in the window is not a person's appointment
# (every day for five years is 1,826).
MAX_PER_EVENT = 2_000
# Rules that repeat every second or minute would expand to millions of times.
REFUSED_FREQUENCIES = {"SECONDLY", "MINUTELY"}
# The child's bounds: CPU seconds, address space, and the wall time the parent waits.
CPU_SECONDS = 8
MEMORY_BYTES = 300 * 1024 * 1024
WALL_SECONDS = 9
# A person's calendar uses a handful of time zones; each VTIMEZONE costs its rules' expansion.
MAX_TIMEZONES = 100
# The expansion steps a week at a time; a week of one rule is at most 7 x PER_DAY times.
STEP = timedelta(weeks=1)
# A rule's times per day, from its frequency and its BYHOUR, BYMINUTE and BYSECOND lists (every
# five minutes of the day is 288).
PER_DAY = 288
# dateutil iterates a rule from its DTSTART: an HOURLY rule from 1900 is a million steps before
# the window even starts.
MAX_STEPS_BEFORE = 200_000
FREQUENCY_SECONDS = {
    "YEARLY": 365 * 86400,
    "MONTHLY": 28 * 86400,
    "WEEKLY": 7 * 86400,
    "DAILY": 86400,
    "HOURLY": 3600,
}

# Why a file was refused (the parent turns these into Finnish messages for Henna).
INVALID = "invalid"
TOO_MANY = "too_many"
TOO_HEAVY = "too_heavy"
TOO_MANY_ZONES = "too_many_zones"

ROOT = Path(__file__).resolve().parent.parent.parent


class ExpansionRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def expand_bounded(
    data: bytes,
    *,
    start: datetime,
    end: datetime,
    cpu_seconds: float | None = None,
    memory_bytes: int | None = None,
    wall_seconds: float | None = None,
) -> list[tuple[datetime, datetime]]:
    """The merged busy (start, end) UTC intervals of data within [start, end), computed in a
    bounded child process; ExpansionRefused(reason) when the file is refused."""
    cpu_seconds = CPU_SECONDS if cpu_seconds is None else cpu_seconds
    memory_bytes = MEMORY_BYTES if memory_bytes is None else memory_bytes
    wall_seconds = WALL_SECONDS if wall_seconds is None else wall_seconds
    command = [
        sys.executable,
        "-m",
        "bookings.calendar.expand",
        start.isoformat(),
        end.isoformat(),
        str(cpu_seconds),
        str(memory_bytes),
    ]
    try:
        child = subprocess.run(  # noqa: S603 (our own interpreter and module; data on stdin)
            command, input=data, capture_output=True, timeout=wall_seconds, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed it.
        raise ExpansionRefused(TOO_HEAVY) from None
    if child.returncode != 0:
        # Killed by SIGXCPU or SIGKILL at the CPU limit, or out of memory.
        raise ExpansionRefused(TOO_HEAVY)
    try:
        answer = json.loads(child.stdout)
    except ValueError:
        raise ExpansionRefused(TOO_HEAVY) from None
    if "error" in answer:
        raise ExpansionRefused(answer["error"])
    return [
        (datetime.fromisoformat(busy_start), datetime.fromisoformat(busy_end))
        for busy_start, busy_end in answer["intervals"]
    ]


def busy_intervals(data: bytes, *, start: datetime, end: datetime) -> list[tuple]:
    """Unbounded: the merged busy (start, end) UTC intervals of an iCalendar file within
    [start, end). Call it only inside the bounded child (expand_bounded)."""
    import icalendar
    import recurring_ical_events

    if data.upper().count(b"BEGIN:VTIMEZONE") > MAX_TIMEZONES:
        raise ExpansionRefused(TOO_MANY_ZONES)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, but also others on hostile input.
        raise ExpansionRefused(INVALID) from None
    if calendar.name != "VCALENDAR":
        raise ExpansionRefused(INVALID)
    for event in calendar.walk("VEVENT"):
        rules = event.get("RRULE") or []
        # One RRULE is a vRecur, several (RFC 5545 allows it, against its advice) a list.
        for rule in rules if isinstance(rules, list) else [rules]:
            if too_big(rule, event, start):
                raise ExpansionRefused(TOO_MANY)
    intervals = []
    try:
        query = recurring_ical_events.of(calendar)
        for series in query.series:
            count = 0
            day = start
            # A single event or a fixed list of dates is read at once; a rule a week at a time.
            step = STEP if getattr(series.recurrence, "rrules", None) else end - start
            while day < end:
                day_end = min(day + step, end)
                for occurrence in series.between(day, day_end):
                    # Counted as produced, so that a bomb stops at the cap, not after it.
                    count += 1
                    if count > MAX_PER_EVENT or len(intervals) >= MAX_OCCURRENCES:
                        raise ExpansionRefused(TOO_MANY)
                    interval = busy_interval(occurrence.as_component(False))
                    if interval and interval[0] < end and interval[1] > start:
                        intervals.append(interval)
                day = day_end
    except ExpansionRefused:
        raise
    except Exception:
        raise ExpansionRefused(INVALID) from None
    return merged(intervals)


def too_big(rule, event, start: datetime) -> bool:
    """A rule that repeats too often in a day, or that dateutil would step through too many
    times before the window starts."""
    frequency = str((rule.get("FREQ") or [""])[0]).upper()
    if frequency in REFUSED_FREQUENCIES or frequency not in FREQUENCY_SECONDS:
        return frequency in REFUSED_FREQUENCIES
    per_day = 24 if frequency == "HOURLY" else 1
    for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        per_day *= max(1, len(rule.get(part, [])))
    if per_day > PER_DAY:
        return True
    try:
        first = as_instant(event.decoded("DTSTART"))
        interval = max(1, int((rule.get("INTERVAL") or [1])[0]))
    except Exception:
        return False  # Left to the expansion, which refuses what it cannot read.
    steps = (start - first).total_seconds() / (FREQUENCY_SECONDS[frequency] * interval)
    counts = rule.get("COUNT")
    if counts:
        steps = min(steps, int(counts[0]))
    return steps > MAX_STEPS_BEFORE


def as_instant(value) -> datetime:
    """An aware datetime for an iCalendar time: a date starts at midnight in Helsinki, and a
    floating time (no time zone) is Helsinki wall-clock time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    return value


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


def main(argv: list[str]) -> None:
    import resource

    start, end = datetime.fromisoformat(argv[0]), datetime.fromisoformat(argv[1])
    cpu_seconds, memory_bytes = float(argv[2]), int(argv[3])
    # Imported before the limit, so that the limit bounds the calendar, not the libraries.
    import icalendar  # noqa: F401
    import recurring_ical_events  # noqa: F401

    cpu = max(1, round(cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    data = sys.stdin.buffer.read()
    try:
        intervals = busy_intervals(data, start=start, end=end)
    except ExpansionRefused as exc:
        answer = {"error": exc.reason}
    except MemoryError:
        answer = {"error": TOO_HEAVY}
    else:
        answer = {"intervals": [[a.isoformat(), b.isoformat()] for a, b in intervals]}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1:])
