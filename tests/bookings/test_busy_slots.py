"""Henna's own calendar keeps its busy times out of the times clients can book."""

from datetime import timedelta

import pytest

from bookings.models import BusyInterval
from tests.bookings.booking_helpers import BOOKING_URL, as_instant, offered_slots

pytestmark = pytest.mark.django_db


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
