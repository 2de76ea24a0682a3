"""Henna schedules meetings herself, from an inquiry's page in the admin: one session or a
series, of any meeting type, at any time (not only the public hours).

An overlap with another meeting is a warning, not a refusal: she may confirm it. Without her
confirmation the database still refuses two overlapping meetings (on PostgreSQL the exclusion
constraint; on SQLite the serialised write checks). A meeting saved with her confirmation is
marked allow_overlap and so left out of the constraint; every later write checks against such
meetings inside its own transaction, so that no one else's booking can land on them.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction

from . import services
from .availability import Overlap, find_overlaps
from .booking import lock_meeting_type
from .meeting_emails import MeetingEvent, queue_meeting_emails
from .models import Inquiry, Meeting, MeetingChange, MeetingType


class MeetingOverlap(Exception):
    """A meeting would overlap another one and the overlap was not confirmed."""

    def __init__(self, overlaps: list[Overlap]):
        super().__init__(f"{len(overlaps)} overlapping session(s)")
        self.overlaps = overlaps


def schedule_meetings(
    *,
    inquiry: Inquiry,
    meeting_type: MeetingType,
    place: str,
    sessions: Sequence[tuple[datetime, datetime]],
    allow_overlap: bool = False,
    user=None,
) -> list[Meeting]:
    """Create one meeting per session, each with its own invitation, in one transaction.

    Raises MeetingOverlap (and saves nothing) when a session overlaps another meeting and
    allow_overlap is off. The inquiry moves to "tapaaminen sovittu" while it is still open.
    """
    try:
        with transaction.atomic():
            lock_meeting_type(meeting_type)  # serialised with the bookings (bookings.booking)
            overlaps = find_overlaps(meeting_type=meeting_type, sessions=sessions)
            if overlaps and not allow_overlap:
                raise MeetingOverlap(overlaps)
            overlapping = {overlap.start for overlap in overlaps}
            meetings = []
            for start, end in sessions:
                meeting = Meeting.objects.create(
                    inquiry=inquiry,
                    meeting_type=meeting_type,
                    start=start,
                    end=end,
                    place=place,
                    allow_overlap=start in overlapping,
                )
                MeetingChange.objects.create(
                    meeting=meeting,
                    action=MeetingChange.Action.BOOKED,
                    new_start=start,
                    changed_by=user,
                )
                queue_meeting_emails(meeting=meeting, event=MeetingEvent.BOOKED, notify_staff=False)
                meetings.append(meeting)
            if inquiry.status in (Inquiry.Status.NEW, Inquiry.Status.CONTACTED):
                services.change_status(inquiry=inquiry, status=Inquiry.Status.MEETING, user=user)
    except IntegrityError as error:
        # Another meeting was saved at the same time as this one (PostgreSQL's constraint).
        overlaps = find_overlaps(meeting_type=meeting_type, sessions=sessions)
        if not overlaps:
            raise
        raise MeetingOverlap(overlaps) from error
    return meetings
