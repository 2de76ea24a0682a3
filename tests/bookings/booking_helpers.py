"""Helpers for the booking tests: the page's free times and a filled-in booking form."""

import re
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from bookings.models import Meeting, MeetingType
from bookings.scheduling import availability, meetings

BOOKING_URL = "/ajanvaraus/"
BOOKING_URL_EN = "/en/booking/"

SLOT_RE = re.compile(r'<input type="radio" name="slot" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def offered_slots(body: str) -> list[str]:
    return SLOT_RE.findall(body)


def page_token(body: str) -> str:
    return TOKEN_RE.search(body).group(1)


def booking_data(token: str, slot: str, **changes) -> dict:
    data = {
        "slot": slot,
        "considered_kind": "individual",
        "place": "remote",
        "name": "Äiniö Öljymäki",
        "email": "aino@example.fi",
        "phone": "040 123 4567",
        "note": "Haluaisin kuulla yksilötyönohjauksesta.",
        "consent": "on",
        "website": "",
        "token": token,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def as_instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def first_free(meeting_type, skip=0):
    """The skip-th free start from the first bookable week on."""
    day = availability.first_bookable_day(meeting_type)
    free = []
    while len(free) <= skip:
        free += availability.free_slots(
            meeting_type, availability.Window(day, day + timedelta(days=6))
        )
        day += timedelta(days=7)
    return free[skip]


def confirm_holds() -> None:
    """What new clients do with the link in their first email: every hold becomes a booked
    meeting, with its invitation and Henna's notification."""
    for token in Meeting.objects.holds().values_list("confirm_token", flat=True):
        meetings.confirm_booking(token=token)


def booked(name="Bea Booker", email="bea@example.fi", skip=0, confirm=True) -> Meeting:
    """A meeting booked through the write path at a free time (the skip-th of them), confirmed
    by the client (confirm=False: a hold, as a new client's booking is at first)."""
    meeting_type = MeetingType.objects.get(bookable_online=True)
    meeting = meetings.book_meeting(
        submission_id=None,
        meeting_type=meeting_type,
        start=first_free(meeting_type, skip),
        place="remote",
        name=name,
        email=email,
        language="fi",
    )[0]
    if confirm and meeting.is_hold:
        meeting = meetings.confirm_booking(token=meeting.confirm_token)
    return meeting


def started(*started_meetings: Meeting, ago: timedelta = timedelta(days=2)) -> None:
    """Move meetings (a test's own rows) into the past together, keeping their times relative
    to each other: the first starts `ago` before now. Held and not attended are for meetings
    that have started."""
    delta = min(m.start for m in started_meetings) - (timezone.now() - ago)
    for meeting in started_meetings:
        Meeting.objects.filter(pk=meeting.pk).update(
            start=F("start") - delta,
            end=F("end") - delta,
            blocked_from=F("blocked_from") - delta,
            blocked_until=F("blocked_until") - delta,
        )
        meeting.refresh_from_db()
