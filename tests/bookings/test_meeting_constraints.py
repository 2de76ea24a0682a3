"""PostgreSQL itself refuses two active meetings whose times, buffers included, overlap."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from bookings.models import Inquiry, Meeting, MeetingType

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = datetime(2027, 3, 30, 9, tzinfo=ZoneInfo("Europe/Helsinki"))


def meeting(minutes_from_start=0, **fields) -> Meeting:
    inquiry = Inquiry.objects.create(kind="intro", name="A", email="a@example.fi")
    start = START + timedelta(minutes=minutes_from_start)
    return Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=MeetingType.objects.get(),
        start=start,
        end=start + timedelta(minutes=30),
        place="kotka",
        **fields,
    )


def test_an_overlapping_meeting_is_refused_by_the_database():
    meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting(15)
    assert Meeting.objects.count() == 1


def test_buffers_count_and_back_to_back_is_allowed():
    MeetingType.objects.update(buffer_after_minutes=15)
    meeting()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting(40)  # within the first one's 15 minutes after
    meeting(45)
    assert Meeting.objects.count() == 2


def test_a_cancelled_meeting_frees_its_time_and_a_confirmed_overlap_is_let_through():
    first = meeting()
    first.status = Meeting.Status.CANCELLED
    first.save()
    meeting()
    meeting(allow_overlap=True)
    assert Meeting.objects.active().count() == 2
