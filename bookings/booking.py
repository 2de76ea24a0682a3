"""Write paths for meetings: booking one, moving it, cancelling it.

Each runs in one transaction whose first statement locks the meeting type's row, so bookings
of a type are serialised on every database (on SQLite a write first also takes the database's
write lock at once). On PostgreSQL the exclusion constraint `meeting_no_overlap` is the last
word: whatever slips past the checks (a meeting of another type, one Henna adds in the admin)
ends in an IntegrityError, answered as "that time was just taken".
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from services.models import PrivacyNotice

from . import availability, slots
from .meeting_emails import MeetingEvent, queue_meeting_emails
from .models import Inquiry, Meeting, MeetingChange, MeetingType, StatusChange

logger = logging.getLogger(__name__)

# Upcoming bookings one email address may hold at a time.
MAX_UPCOMING_PER_EMAIL = 2


class BookingError(Exception):
    """A booking, move or cancellation that cannot be done; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


TAKEN = "taken"  # free when the page was shown, not any more
NOT_OFFERED = "not_offered"  # never on offer: past, outside the hours, tampered with
TOO_MANY = "too_many"  # the address has its two upcoming bookings already
TOO_LATE = "too_late"  # past the type's cutoff for the client's own changes
NOT_ACTIVE = "not_active"  # cancelled already


def lock_meeting_type(meeting_type: MeetingType) -> None:
    # A write as the transaction's first statement: on SQLite it takes the write lock now,
    # not at the insert (where a concurrent writer would fail instead of waiting); on
    # PostgreSQL it locks the type's row until the commit.
    MeetingType.objects.filter(pk=meeting_type.pk).update(duration_minutes=F("duration_minutes"))


def check_free(
    meeting_type: MeetingType, start: datetime, *, now: datetime, ignore_meeting_id=None
) -> None:
    day = slots.local_date(start)
    window = availability.Window(day, day)
    rules = availability.load_availability(
        meeting_type, window, ignore_meeting_id=ignore_meeting_id
    )
    if slots.is_free(rules, start=start, now=now):
        return
    unbooked = slots.Availability(
        rules=rules.rules, weekly=rules.weekly, exceptions=rules.exceptions, holidays=rules.holidays
    )
    raise BookingError(TAKEN if slots.is_free(unbooked, start=start, now=now) else NOT_OFFERED)


def existing_booking(submission_id) -> Meeting | None:
    """The meeting booked with this form before (a double click, a reload)."""
    if submission_id is None:
        return None
    # Nearly always none: one look at the unique index first.
    inquiry_id = (
        Inquiry.objects.filter(submission_id=submission_id).values_list("pk", flat=True).first()
    )
    if inquiry_id is None:
        return None
    return Meeting.objects.filter(inquiry_id=inquiry_id).first()


@sensitive_variables()
def book_meeting(
    *,
    submission_id,
    meeting_type: MeetingType,
    start: datetime,
    place: str,
    name: str,
    email: str,
    phone: str = "",
    considered_kind: str = "",
    note: str = "",
    language: str,
    client_key: str = "",
    privacy_notice: PrivacyNotice | None = None,
    now: datetime | None = None,
) -> tuple[Meeting, bool]:
    """Book a meeting for a client: its inquiry (an intro meeting, status "meeting agreed"),
    the meeting, their history and emails, in one transaction. The same submission_id again
    (a double click, a reload) returns the first meeting and False. Raises BookingError."""
    now = now or timezone.now()
    if place not in meeting_type.places:
        raise BookingError(NOT_OFFERED)
    try:
        with transaction.atomic():
            lock_meeting_type(meeting_type)
            existing = existing_booking(submission_id)
            if existing is not None:
                return existing, False
            upcoming = Meeting.objects.upcoming(now).filter(inquiry__email__iexact=email.strip())
            if len(upcoming.values_list("pk", flat=True)[:MAX_UPCOMING_PER_EMAIL]) >= (
                MAX_UPCOMING_PER_EMAIL
            ):
                raise BookingError(TOO_MANY)
            check_free(meeting_type, start, now=now)
            inquiry = Inquiry.objects.create(
                submission_id=submission_id,
                kind=Inquiry.Kind.INTRO,
                considered_kind=considered_kind,
                name=name,
                email=email,
                phone=phone,
                format=place if place in Inquiry.Format.values else "",
                message=note,
                language=language,
                client_key=client_key,
                privacy_notice=privacy_notice,
                status=Inquiry.Status.MEETING,
            )
            StatusChange.objects.create(inquiry=inquiry, to_status=inquiry.status)
            meeting = Meeting.objects.create(
                inquiry=inquiry,
                meeting_type=meeting_type,
                start=start,
                end=start + meeting_type.duration,
                place=place,
            )
            MeetingChange.objects.create(
                meeting=meeting, action=MeetingChange.Action.BOOKED, new_start=start, by_client=True
            )
            queue_meeting_emails(meeting=meeting, event=MeetingEvent.BOOKED)
    except IntegrityError:
        existing = existing_booking(submission_id)
        if existing is not None:
            return existing, False
        raise BookingError(TAKEN) from None
    logger.info("Meeting %s booked", meeting.pk)
    return meeting, True


def client_may_change(meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether the client may still cancel or move the meeting themselves."""
    cutoff = meeting.start - timedelta(hours=meeting.meeting_type.cancel_cutoff_hours)
    return meeting.is_active and (now or timezone.now()) < cutoff


def locked_meeting(meeting: Meeting) -> Meeting:
    lock_meeting_type(meeting.meeting_type)
    return Meeting.objects.select_related("meeting_type", "inquiry").get(pk=meeting.pk)


def move_meeting(
    *,
    meeting: Meeting,
    new_start: datetime,
    by_client: bool = False,
    user=None,
    now: datetime | None = None,
) -> Meeting:
    """Move a meeting to a new time: a new version (SEQUENCE) of its invitation goes out.

    The client moves only to a free time before the cutoff; Henna (a user) may choose any
    time that overlaps no other meeting."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            meeting = locked_meeting(meeting)
            if not meeting.is_active:
                raise BookingError(NOT_ACTIVE)
            if by_client:
                if not client_may_change(meeting, now):
                    raise BookingError(TOO_LATE)
                if new_start == meeting.start:
                    raise BookingError(NOT_OFFERED)
                check_free(meeting.meeting_type, new_start, now=now, ignore_meeting_id=meeting.pk)
            elif not meeting.allow_overlap and availability.find_overlaps(
                meeting_type=meeting.meeting_type,
                sessions=[(new_start, new_start + meeting.meeting_type.duration)],
                exclude=meeting,
            ):
                # Checked here, in the serialised transaction, for SQLite (PostgreSQL's
                # constraint would refuse it too) and against meetings whose overlap Henna allowed.
                raise BookingError(TAKEN)
            old_start = meeting.start
            meeting.start = new_start
            meeting.end = new_start + meeting.meeting_type.duration
            meeting.sequence += 1
            meeting.save()
            MeetingChange.objects.create(
                meeting=meeting,
                action=MeetingChange.Action.MOVED,
                old_start=old_start,
                new_start=new_start,
                by_client=by_client,
                changed_by=user,
            )
            queue_meeting_emails(
                meeting=meeting, event=MeetingEvent.MOVED, notify_staff=user is None
            )
    except IntegrityError:
        raise BookingError(TAKEN) from None
    return meeting


def cancel_meeting(
    *,
    meeting: Meeting,
    by_client: bool = False,
    user=None,
    status: str = Meeting.Status.CANCELLED,
    now: datetime | None = None,
) -> Meeting:
    """Cancel a meeting: its time is free again at once, and the cancellation goes out."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = locked_meeting(meeting)
        if not meeting.is_active:
            raise BookingError(NOT_ACTIVE)
        if by_client and not client_may_change(meeting, now):
            raise BookingError(TOO_LATE)
        meeting.status = status
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        MeetingChange.objects.create(
            meeting=meeting,
            action=MeetingChange.Action.CANCELLED,
            new_status=status,
            by_client=by_client,
            changed_by=user,
        )
        queue_meeting_emails(
            meeting=meeting, event=MeetingEvent.CANCELLED, notify_staff=user is None
        )
    return meeting
