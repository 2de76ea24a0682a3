"""Meetings for the email tests, made directly with the ORM (as a booking stores them), and the
helpers that read an email's calendar parts back."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar

from bookings.models import Inquiry, Meeting, MeetingChange, MeetingType
from bookings.outbox.queue import queue_meeting_emails

HELSINKI = ZoneInfo("Europe/Helsinki")

# What the client typed that no email may carry (the name and address do go to them).
CLIENT = {
    "name": "Sointu Kärkkäinen-Vuorela",
    "email": "sointu.vuorela@example.org",
    "phone": "+358 44 765 4321",
    "message": "Luottamuksellista: tiimin ristiriita ja uupumus.",
}
CONFIDENTIAL = [CLIENT["phone"], "765 4321", CLIENT["message"], "tiimin ristiriita"]
VIDEO_LINK = "https://video.example.fi/j/aventuria-henna"


def intro_type() -> MeetingType:
    """The intro meeting a fresh site has (a transactional test empties the table)."""
    meeting_type = MeetingType.objects.filter(name_fi="Tutustumistapaaminen").first()
    if meeting_type is None:
        meeting_type = MeetingType.objects.create(
            name="Tutustumistapaaminen",
            name_fi="Tutustumistapaaminen",
            name_en="Intro meeting",
            duration_minutes=30,
            bookable_online=True,
        )
    if not meeting_type.video_link:
        meeting_type.video_link = VIDEO_LINK
        meeting_type.save(update_fields=["video_link"])
    return meeting_type


def helsinki(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def book(
    start: datetime, *, language="fi", place=Meeting.Place.REMOTE, email=CLIENT["email"]
) -> Meeting:
    """A booked meeting and its queued emails, as the booking write path stores them."""
    inquiry = Inquiry.objects.create(
        kind=Inquiry.Kind.INTRO,
        status=Inquiry.Status.MEETING,
        considered_kind=Inquiry.Kind.INDIVIDUAL,
        name=CLIENT["name"],
        email=email,
        phone=CLIENT["phone"],
        message=CLIENT["message"],
        language=language,
    )
    meeting_type = intro_type()
    meeting = Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=meeting_type,
        start=start,
        end=start + meeting_type.duration,
        place=place,
    )
    MeetingChange.objects.create(
        meeting=meeting,
        action=MeetingChange.Action.BOOKED,
        new_start=start,
        by_client=True,
        sequence=0,
    )
    queue_meeting_emails(meeting=meeting)
    return meeting


def move(meeting: Meeting, start: datetime) -> Meeting:
    meeting.start = start
    meeting.end = start + meeting.meeting_type.duration
    meeting.set_blocked_range()
    meeting.sequence += 1
    meeting.save()
    queue_meeting_emails(meeting=meeting)
    return meeting


def cancel(meeting: Meeting) -> Meeting:
    meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    meeting.save()
    queue_meeting_emails(meeting=meeting)
    return meeting


def calendar_parts(email) -> list:
    """The MIME parts of a sent email that carry a calendar: (part, bytes) in order."""
    return [
        (part, part.get_payload(decode=True))
        for part in email.message().walk()
        if part.get_content_type() in ("text/calendar", "application/ics")
    ]


def parse(ics: bytes):
    """The one VEVENT of an iCalendar object, and the object."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def make_meeting(
    start: datetime,
    *,
    minutes: int = 30,
    name: str = "Äiniö Öljymäki",
    inquiry_fields: dict | None = None,
    **fields,
):
    """A meeting without its emails, for the calendar tests (agenda, feed, busy times)."""
    inquiry = Inquiry.objects.create(
        **{
            "kind": Inquiry.Kind.INTRO,
            "status": Inquiry.Status.MEETING,
            "name": name,
            "email": "aino.secret@example.fi",
            "phone": "040 999 8888",
            "message": "Kirjoitin tähän jotain henkilökohtaista.",
            **(inquiry_fields or {}),
        }
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
