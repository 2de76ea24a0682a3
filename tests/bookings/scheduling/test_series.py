"""A series of sessions keeps its Helsinki wall-clock time across the summer-time changes and
flags the dates Henna should look at before saving."""

from datetime import UTC, date, datetime, time, timedelta

import holidays as holiday_calendars
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.scheduling.series import HELSINKI, DayOff, plan_series

FINNISH_2027 = holiday_calendars.country_holidays("FI", years=[2027])


def test_every_four_weeks_on_tuesdays_at_two_ten_times():
    sessions = plan_series(
        first=date(2027, 1, 12),
        at=time(14),
        duration=timedelta(minutes=90),
        every_weeks=4,
        count=10,
    )
    assert [s.local_start.date() for s in sessions] == [
        date(2027, 1, 12) + timedelta(weeks=4 * n) for n in range(10)
    ]
    assert {s.local_start.weekday() for s in sessions} == {1}
    assert all(s.end - s.start == timedelta(minutes=90) for s in sessions)


def test_the_time_stays_at_two_in_helsinki_across_both_summer_time_changes():
    # 2027: summer time from Sunday 28 March, back on Sunday 31 October.
    sessions = plan_series(
        first=date(2027, 3, 23), at=time(14), duration=timedelta(hours=1), every_weeks=1, count=2
    )
    assert [s.local_start.strftime("%d.%m. %H:%M") for s in sessions] == [
        "23.03. 14:00",
        "30.03. 14:00",
    ]
    assert [s.start.astimezone(UTC).hour for s in sessions] == [12, 11]

    autumn = plan_series(
        first=date(2027, 10, 26), at=time(14), duration=timedelta(hours=1), every_weeks=1, count=2
    )
    assert [s.local_start.hour for s in autumn] == [14, 14]
    assert [s.start.astimezone(UTC).hour for s in autumn] == [11, 12]


def test_public_holidays_and_days_off_are_flagged_not_dropped():
    sessions = plan_series(
        first=date(2027, 12, 2),  # Thursday
        at=time(9),
        duration=timedelta(hours=1),
        every_weeks=1,
        count=4,
        holidays=FINNISH_2027,
        days_off=[DayOff(first=date(2027, 12, 13), last=date(2027, 12, 17), note="koulutus")],
    )
    assert len(sessions) == 4
    by_date = {s.local_start.date(): s for s in sessions}
    # 6.12.2027 is Independence Day, a Monday: a Thursday series misses it.
    assert all(s.holiday == "" for s in sessions)
    assert by_date[date(2027, 12, 16)].day_off == "koulutus"
    assert [s.flagged for s in sessions] == [False, False, True, False]

    christmas = plan_series(
        first=date(2027, 12, 24),
        at=time(9),
        duration=timedelta(hours=1),
        every_weeks=1,
        count=2,
        holidays=FINNISH_2027,
    )
    assert christmas[0].holiday == FINNISH_2027[date(2027, 12, 24)]
    assert christmas[1].holiday == ""


@pytest.mark.parametrize(("every_weeks", "count"), [(0, 3), (53, 3), (2, 0), (2, 61)])
def test_out_of_range_series_is_refused(every_weeks, count):
    with pytest.raises(ValueError):
        plan_series(
            first=date(2027, 1, 5),
            at=time(9),
            duration=timedelta(hours=1),
            every_weeks=every_weeks,
            count=count,
        )


@given(
    first=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=7, max_value=20),
    minute=st.sampled_from([0, 15, 30, 45]),
    every_weeks=st.integers(min_value=1, max_value=8),
    count=st.integers(min_value=1, max_value=30),
)
def test_every_session_is_on_the_same_weekday_at_the_same_helsinki_time(
    first, hour, minute, every_weeks, count
):
    sessions = plan_series(
        first=first,
        at=time(hour, minute),
        duration=timedelta(minutes=60),
        every_weeks=every_weeks,
        count=count,
    )
    assert len(sessions) == count
    for number, session in enumerate(sessions):
        local = session.local_start
        assert local.date() == first + timedelta(weeks=every_weeks * number)
        assert (local.hour, local.minute) == (hour, minute)
        assert session.start.utcoffset() == timedelta(0)
        assert local.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
    assert all(isinstance(s.start, datetime) for s in sessions)
    assert HELSINKI.key == "Europe/Helsinki"
