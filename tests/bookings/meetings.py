"""Meetings made directly with the ORM, as the calendar tests need them (the booking pages that
create them in the product are another branch's)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bookings.models import Inquiry, Meeting, MeetingType


def intro_type() -> MeetingType:
    # Seeded by migration 0005; tests that commit for real empty the database after them.
    meeting_type, _created = MeetingType.objects.get_or_create(
        name_fi="Tutustumistapaaminen",
        defaults={"name": "Tutustumistapaaminen", "name_en": "Intro meeting"},
    )
    return meeting_type


def make_meeting(start: datetime, *, minutes: int = 30, name: str = "Äiniö Öljymäki", **fields):
    inquiry = Inquiry.objects.create(
        kind=Inquiry.Kind.INTRO,
        status=Inquiry.Status.MEETING,
        name=name,
        email="aino.secret@example.fi",
        phone="040 999 8888",
        message="Kirjoitin tähän jotain henkilökohtaista.",
    )
    return Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=fields.pop("meeting_type", None) or intro_type(),
        start=start,
        end=start + timedelta(minutes=minutes),
        place=fields.pop("place", Meeting.Place.KOTKA),
        **fields,
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Helsinki wall-clock time on a day, as an aware instant."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
