"""The slot engine (bookings.scheduling.slots), property by property, over the summer-time
weeks of 2027.

Henna's own calendar keeps its busy times out of the times clients can book."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.models import BusyInterval
from bookings.scheduling.slots import (
    EXTRA,
    HELSINKI,
    OFF,
    OPEN_HOLIDAY,
    Availability,
    DayException,
    SlotRules,
    WeeklyRange,
    finnish_holidays,
    free_slots,
    is_free,
    merged,
    overlapping,
    overlapping_merged,
    reach,
)
from tests.bookings.booking_helpers import BOOKING_URL, as_instant, offered_slots
from tests.hypothesis_profiles import examples

# Summer time starts on 28.3.2027 and ends on 31.10.2027 (both Sundays).
DST_WEEKS = [date(2027, 3, 24), date(2027, 10, 27)]
EVERY_DAY_9_16 = [WeeklyRange(day, time(9), time(16)) for day in range(7)]


def helsinki(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def local(instant: datetime) -> datetime:
    return instant.astimezone(HELSINKI)


def overlaps(start, rules, busy_start, busy_end) -> bool:
    return busy_start < start + rules.duration + rules.buffer_after and busy_end > (
        start - rules.buffer_before
    )


minutes = st.integers(min_value=0, max_value=23 * 4).map(lambda q: time(q // 4, q % 4 * 15))
weekly_ranges = st.lists(
    st.tuples(st.integers(0, 6), minutes, minutes)
    .filter(lambda r: r[1] < r[2])
    .map(lambda r: WeeklyRange(*r)),
    max_size=6,
)
rules_strategy = st.builds(
    SlotRules,
    duration=st.sampled_from([15, 30, 45, 60, 90]).map(lambda m: timedelta(minutes=m)),
    buffer_before=st.sampled_from([0, 5, 15, 30]).map(lambda m: timedelta(minutes=m)),
    buffer_after=st.sampled_from([0, 10, 15, 60]).map(lambda m: timedelta(minutes=m)),
    min_notice=st.integers(0, 72).map(lambda h: timedelta(hours=h)),
    horizon=st.integers(1, 2).map(lambda w: timedelta(weeks=w)),
)


@st.composite
def scenario(draw):
    week = draw(st.sampled_from(DST_WEEKS))
    now = helsinki(week.year, week.month, week.day) - timedelta(days=2)
    now += timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
    window_start = now.astimezone(UTC)
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        start = window_start + timedelta(minutes=draw(st.integers(0, 12 * 24 * 60)))
        busy.append((start, start + timedelta(minutes=draw(st.integers(1, 240)))))
    availability = Availability(rules=draw(rules_strategy), weekly=draw(weekly_ranges), busy=busy)
    return availability, now, week - timedelta(days=3), week + timedelta(days=8)


@given(scenario())
@settings(max_examples=examples(500), deadline=None, derandomize=True)
def test_every_slot_is_inside_the_hours_free_of_busy_times_and_within_notice_and_horizon(case):
    availability, now, first_day, last_day = case
    rules = availability.rules
    for start in free_slots(availability, now=now, first_day=first_day, last_day=last_day):
        assert now + rules.min_notice <= start <= now + rules.horizon
        begins, ends = local(start), local(start + rules.duration)
        assert first_day <= begins.date() <= last_day
        # Inside one weekly range of that weekday, read on the wall clock.
        assert any(
            r.weekday == begins.weekday()
            and begins.time() >= r.start
            and (ends.time() <= r.end and ends.date() == begins.date())
            for r in availability.weekly
        ), begins
        assert not any(overlaps(start, rules, b, e) for b, e in availability.busy)


@given(scenario(), st.integers(0, 10 * 24 * 60), st.integers(1, 300))
@settings(max_examples=examples(300), deadline=None, derandomize=True)
def test_a_new_busy_time_takes_away_exactly_the_slots_it_overlaps(case, offset, length):
    availability, now, first_day, last_day = case
    before = free_slots(availability, now=now, first_day=first_day, last_day=last_day)
    busy_start = now + timedelta(minutes=offset)
    busy_end = busy_start + timedelta(minutes=length)
    more_busy = Availability(
        rules=availability.rules,
        weekly=availability.weekly,
        busy=[*availability.busy, (busy_start, busy_end)],
    )
    after = free_slots(more_busy, now=now, first_day=first_day, last_day=last_day)
    rules = availability.rules
    assert after == [s for s in before if not overlaps(s, rules, busy_start, busy_end)]


@st.composite
def busy_near_the_edges(draw):
    """Busy times just before, across and after the open ranges' ends, where the buffers
    decide whether they take a time away, over a summer-time week."""
    week = draw(st.sampled_from(DST_WEEKS))
    first_day, last_day = week - timedelta(days=1), week + timedelta(days=5)
    weekly = draw(weekly_ranges.filter(bool))
    edges = [
        helsinki(day.year, day.month, day.day, at.hour, at.minute)
        for day in (first_day + timedelta(days=n) for n in range(7))
        for hours in weekly
        if hours.weekday == day.weekday()
        for at in (hours.start, hours.end)
    ]
    busy = []
    for edge in draw(st.lists(st.sampled_from(edges), min_size=1, max_size=6)):
        start = edge + timedelta(minutes=draw(st.integers(-90, 90)))
        busy.append((start, start + timedelta(minutes=draw(st.integers(1, 60)))))
    rules = draw(rules_strategy)
    return (
        Availability(rules=replace(rules, min_notice=timedelta(0)), weekly=weekly, busy=busy),
        helsinki(first_day.year, first_day.month, first_day.day) - timedelta(days=1),
        first_day,
        last_day,
    )


@given(busy_near_the_edges())
@settings(max_examples=examples(500), deadline=None, derandomize=True)
def test_only_busy_times_within_the_reach_of_the_open_hours_take_times_away(case):
    # The booking page reads only the busy times that overlap the reach (Henna's evenings and
    # weekends are not read): the free times must be those of all of them.
    availability, now, first_day, last_day = case
    spans = reach(availability, first_day=first_day, last_day=last_day)
    within = Availability(
        rules=availability.rules,
        weekly=availability.weekly,
        busy=[busy for busy in availability.busy if overlapping(busy, spans)],
    )
    assert free_slots(within, now=now, first_day=first_day, last_day=last_day) == free_slots(
        availability, now=now, first_day=first_day, last_day=last_day
    )


@given(
    st.sampled_from(DST_WEEKS),
    st.sampled_from([15, 30, 60]),
    st.sampled_from([0, 15]),
    st.sampled_from([0, 15]),
)
@settings(max_examples=examples(40), deadline=None, derandomize=True)
def test_summer_time_changes_move_no_time_by_an_hour(week, duration, before, after):
    rules = SlotRules(
        duration=timedelta(minutes=duration),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
        min_notice=timedelta(0),
    )
    availability = Availability(rules=rules, weekly=EVERY_DAY_9_16)
    now = helsinki(week.year, week.month, week.day)
    slots = free_slots(availability, now=now, first_day=week, last_day=week + timedelta(days=6))
    step = duration + before + after
    expected_times = []
    at = 9 * 60
    while at + duration <= 16 * 60:
        expected_times.append(time(at // 60, at % 60))
        at += step
    by_day = {}
    for start in slots:
        by_day.setdefault(local(start).date(), []).append(local(start).time())
    # Every day of the week, both sides of the change, has the same wall-clock times.
    assert by_day == {week + timedelta(days=n): expected_times for n in range(7)}
    summer_offsets = {local(s).date(): local(s).utcoffset() for s in slots}
    for day, offset in summer_offsets.items():
        in_summer = date(2027, 3, 28) <= day < date(2027, 10, 31)
        assert offset == timedelta(hours=3 if in_summer else 2), day


def test_the_first_slot_after_the_spring_change_is_at_nine_local_time_six_utc():
    rules = SlotRules(duration=timedelta(minutes=30), min_notice=timedelta(0))
    availability = Availability(rules=rules, weekly=EVERY_DAY_9_16)
    slots = free_slots(
        availability,
        now=helsinki(2027, 3, 27),
        first_day=date(2027, 3, 27),
        last_day=date(2027, 3, 28),
    )
    assert slots[0] == datetime(2027, 3, 27, 7, 0, tzinfo=UTC)  # 9.00 +02:00
    assert next(s for s in slots if local(s).date() == date(2027, 3, 28)) == datetime(
        2027, 3, 28, 6, 0, tzinfo=UTC
    )  # 9.00 +03:00


@given(st.integers(0, 6), st.integers(1, 4))
@settings(max_examples=examples(30), deadline=None, derandomize=True)
def test_days_off_have_no_slots_and_others_keep_theirs(offset, length):
    rules = SlotRules(duration=timedelta(minutes=60), min_notice=timedelta(0))
    first = date(2027, 10, 25) + timedelta(days=offset)
    last = first + timedelta(days=length - 1)
    plain = Availability(rules=rules, weekly=EVERY_DAY_9_16)
    with_off = Availability(
        rules=rules, weekly=EVERY_DAY_9_16, exceptions=[DayException(OFF, first, last)]
    )
    now = helsinki(2027, 10, 24)
    window = {"now": now, "first_day": date(2027, 10, 24), "last_day": date(2027, 11, 5)}
    expected = [s for s in free_slots(plain, **window) if not first <= local(s).date() <= last]
    assert free_slots(with_off, **window) == expected


def test_extra_hours_add_times_on_their_date_even_on_a_day_off():
    rules = SlotRules(duration=timedelta(minutes=60), min_notice=timedelta(0))
    saturday = date(2027, 10, 30)
    availability = Availability(
        rules=rules,
        weekly=[],
        exceptions=[
            DayException(OFF, saturday, saturday),
            DayException(EXTRA, saturday, saturday, time(17), time(19)),
        ],
    )
    slots = free_slots(
        availability,
        now=helsinki(2027, 10, 1),
        first_day=saturday,
        last_day=saturday + timedelta(days=1),
    )
    assert [local(s).strftime("%d.%m. %H.%M") for s in slots] == ["30.10. 17.00", "30.10. 18.00"]


def test_public_holidays_are_off_unless_opened():
    rules = SlotRules(duration=timedelta(hours=1), min_notice=timedelta(0))
    independence_day = date(2027, 12, 6)  # a Monday
    assert independence_day in finnish_holidays(2027)
    window = {
        "now": helsinki(2027, 12, 1),
        "first_day": independence_day,
        "last_day": independence_day + timedelta(days=1),
    }
    closed = Availability(rules=rules, weekly=EVERY_DAY_9_16, holidays=finnish_holidays(2027))
    days = {local(s).date() for s in free_slots(closed, **window)}
    assert days == {date(2027, 12, 7)}
    opened = Availability(
        rules=rules,
        weekly=EVERY_DAY_9_16,
        holidays=finnish_holidays(2027),
        exceptions=[DayException(OPEN_HOLIDAY, independence_day, independence_day)],
    )
    days = {local(s).date() for s in free_slots(opened, **window)}
    assert days == {independence_day, date(2027, 12, 7)}


@given(st.integers(1, 5), st.integers(0, 6))
@settings(max_examples=examples(30), deadline=None, derandomize=True)
def test_the_daily_limit_closes_a_day_once_reached(limit, booked):
    rules = SlotRules(duration=timedelta(hours=1), min_notice=timedelta(0), max_per_day=limit)
    day = date(2027, 3, 30)
    availability = Availability(rules=rules, weekly=EVERY_DAY_9_16, booked_per_day={day: booked})
    slots = free_slots(
        availability, now=helsinki(2027, 3, 29), first_day=day, last_day=day + timedelta(days=1)
    )
    on_day = [s for s in slots if local(s).date() == day]
    next_day = [s for s in slots if local(s).date() == day + timedelta(days=1)]
    assert len(on_day) == (7 if booked < limit else 0)
    assert len(next_day) == 7


def test_notice_and_horizon_cut_the_window():
    rules = SlotRules(
        duration=timedelta(hours=1), min_notice=timedelta(hours=24), horizon=timedelta(weeks=1)
    )
    availability = Availability(rules=rules, weekly=EVERY_DAY_9_16)
    now = helsinki(2027, 1, 12, 12, 0)
    slots = free_slots(
        availability, now=now, first_day=date(2027, 1, 1), last_day=date(2027, 2, 28)
    )
    assert local(slots[0]) == helsinki(2027, 1, 13, 12, 0)
    assert local(slots[-1]) == helsinki(2027, 1, 19, 12, 0)
    assert is_free(availability, start=slots[0], now=now)
    assert not is_free(availability, start=slots[0] - timedelta(hours=1), now=now)
    assert not is_free(availability, start=slots[0] + timedelta(minutes=1), now=now)


def test_the_hour_that_comes_twice_in_october_offers_only_times_inside_the_hours():
    # On 31.10.2027 the clock goes from 04.00 back to 03.00: "03.15-04.00" lasts 1 h 45 min,
    # and 03.00-03.15 shown the second time is not inside it.
    rules = SlotRules(duration=timedelta(minutes=15), min_notice=timedelta(0))
    availability = Availability(rules=rules, weekly=[WeeklyRange(6, time(3, 15), time(4))])
    day = date(2027, 10, 31)
    slots = free_slots(availability, now=helsinki(2027, 10, 30), first_day=day, last_day=day)
    shown = [local(s).strftime("%H.%M%z") for s in slots]
    assert shown == [
        "03.15+0300",
        "03.30+0300",
        "03.45+0300",
        "03.15+0200",
        "03.30+0200",
        "03.45+0200",
    ]


def test_the_hour_skipped_in_march_offers_only_times_inside_the_hours():
    # On 28.3.2027 the clock goes from 03.00 to 04.00: a meeting at 02.45 would end at 04.00
    # on the wall clock, after hours that end at 03.00.
    rules = SlotRules(duration=timedelta(minutes=15), min_notice=timedelta(0))
    availability = Availability(rules=rules, weekly=[WeeklyRange(6, time(2), time(3))])
    day = date(2027, 3, 28)
    slots = free_slots(availability, now=helsinki(2027, 3, 27), first_day=day, last_day=day)
    assert [local(s).strftime("%H.%M") for s in slots] == ["02.00", "02.15", "02.30"]


@pytest.mark.django_db
def test_a_busy_time_from_her_own_calendar_is_not_offered(client, django_assert_max_num_queries):
    before = offered_slots(client.get(BOOKING_URL).content.decode())
    busy_start = as_instant(before[1])
    busy_end = busy_start + timedelta(minutes=45)
    BusyInterval.objects.create(start=busy_start, end=busy_end)
    with django_assert_max_num_queries(2):
        after = offered_slots(client.get(BOOKING_URL).content.decode())
    meeting = timedelta(minutes=30)  # the intro meeting, without buffers
    hit = [s for s in before if as_instant(s) < busy_end and as_instant(s) + meeting > busy_start]
    assert before[1] in hit
    assert [s for s in before if s not in hit] == after


@given(
    st.lists(st.tuples(st.integers(0, 600), st.integers(1, 120)), max_size=12),
    st.integers(0, 700),
    st.integers(1, 200),
)
@settings(max_examples=examples(300), deadline=None, derandomize=True)
def test_joined_busy_times_overlap_a_span_exactly_when_one_of_them_does(busy, since, length):
    base = datetime(2027, 1, 1, tzinfo=UTC)
    intervals = [(base + timedelta(minutes=s), base + timedelta(minutes=s + n)) for s, n in busy]
    span = (base + timedelta(minutes=since), base + timedelta(minutes=since + length))
    joined = merged(intervals)
    assert all(a[1] < b[0] for a, b in pairwise(joined))
    found = overlapping_merged(span, joined, [end for _start, end in joined])
    assert bool(found) == bool(overlapping(span, intervals))
