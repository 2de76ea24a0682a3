"""The emails about meetings: the invitation, its update and cancellation, the reminder, and
Henna's notification. They go through the same outbox as the inquiry emails (Notification
rows, sent by bookings.services.send_pending_notifications), one row per kind and version.
"""

from enum import StrEnum

from .models import Meeting, Notification
from .services import queue_emails


class MeetingEvent(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"


def queue_meeting_emails(*, meeting: Meeting, event: MeetingEvent) -> None:
    """Within the meeting's transaction: queue the client's invitation (or cancellation) and
    Henna's notification for the meeting's current SEQUENCE, sent once the change commits."""
    client_kind = (
        Notification.Kind.CANCELLATION
        if event == MeetingEvent.CANCELLED
        else Notification.Kind.INVITATION
    )
    Notification.objects.bulk_create(
        [
            Notification(
                inquiry_id=meeting.inquiry_id, meeting=meeting, kind=kind, sequence=meeting.sequence
            )
            for kind in (client_kind, Notification.Kind.STAFF_MEETING)
        ],
        ignore_conflicts=True,
    )
    queue_emails(meeting.inquiry)
