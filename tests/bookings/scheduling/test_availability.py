"""The week's busy times: one query for both sources, the same rows as the ORM's, and on
PostgreSQL indexes that keep it (and the two-bookings rule) as fast with years of data."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import BusyInterval, Meeting, MeetingType
from bookings.scheduling import availability, slots
from tests.bookings.booking_helpers import booked, first_free

pytestmark = pytest.mark.django_db


def week_from(day) -> availability.Window:
    return availability.Window(day, day + timedelta(days=6))


def test_the_one_query_reads_active_meetings_and_busy_times_and_counts_meetings_per_day():
    meeting_type = MeetingType.objects.get(bookable_online=True)
    kept, cancelled = booked(skip=0), booked(email="c@example.fi", skip=1)
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    start = first_free(meeting_type, skip=5)
    BusyInterval.objects.create(start=start, end=start + timedelta(minutes=45))
    window = week_from(timezone.localdate(kept.start))

    busy, per_day = availability.busy_intervals(window, count_type_id=meeting_type.pk)

    assert sorted(busy) == sorted(
        [
            *Meeting.objects.blocking(window.start, window.end).values_list(
                "blocked_from", "blocked_until"
            ),
            *BusyInterval.objects.overlapping(window.start, window.end),
        ]
    )
    assert (kept.blocked_from, kept.blocked_until) in busy
    assert (cancelled.blocked_from, cancelled.blocked_until) not in busy
    assert per_day == {timezone.localdate(kept.start): 1}
    ignoring, _ = availability.busy_intervals(window, ignore_meeting_id=kept.pk)
    assert (kept.blocked_from, kept.blocked_until) not in ignoring


def test_the_week_reads_henna_s_busy_times_in_her_open_hours_and_not_her_evenings():
    meeting_type = MeetingType.objects.get(bookable_online=True)
    start = first_free(meeting_type)
    day = timezone.localdate(start)
    evening = slots.wall_clock(day, time(19))
    BusyInterval.objects.create(start=evening, end=evening + timedelta(hours=2))
    BusyInterval.objects.create(start=start, end=start + timedelta(minutes=30))
    window = week_from(day)

    offered = availability.free_slots(meeting_type, window)
    rules = availability.load_availability(meeting_type, window)

    assert start not in offered
    assert (start, start + timedelta(minutes=30)) in rules.busy
    assert (evening, evening + timedelta(hours=2)) not in rules.busy
    # Nothing else changed: the evening is outside the open hours, so it took no time away.
    BusyInterval.objects.filter(start=evening).delete()
    assert availability.free_slots(meeting_type, window) == offered


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        # The tables are tiny here: forbid the sequential scan to ask which index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_a_weeks_busy_times_and_the_two_bookings_rule_are_read_by_index_on_postgresql():
    window = week_from(timezone.localdate() + timedelta(days=7))
    adapt = connection.ops.adapt_datetimefield_value
    params = [*Meeting.ACTIVE_STATUSES, adapt(window.end), adapt(window.start)]
    now = adapt(timezone.now())
    # Henna's busy times that overlap one span (the week itself here).
    week = plan(
        availability.busy_sql("postgresql", False, 1), [*params, now, *params[-2:], *params[-2:]]
    )
    assert "meeting_blocked_active" in week
    assert "busy_interval_end_start" in week

    # The two-bookings rule reads the mailbox key (bookings.models.inquiries.mailbox_key).
    upcoming = Meeting.objects.upcoming().filter(inquiry__email_key="aino@example.fi")
    sql, upcoming_params = upcoming.values_list("pk").query.sql_with_params()
    assert "email_key" in plan(sql, upcoming_params)
