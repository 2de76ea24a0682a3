"""The meeting list's actions: a meeting marked held, not attended or cancelled late, and the
selected meetings as CSV for Excel.

Every status change goes through change_meeting_status, so each keeps its history and a late
cancellation sends the client the cancellation.
"""

from functools import partial

from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from . import booking
from .csv_export import csv_cell, csv_response, csv_time
from .models import Inquiry, Meeting, MeetingChange

CANCELLING = (Meeting.Status.CANCELLED, Meeting.Status.LATE_CANCELLED)


def change_meeting_status(*, meeting: Meeting, status: str, user) -> None:
    if status in CANCELLING and meeting.is_active:
        booking.cancel_meeting(meeting=meeting, user=user, status=status)
        return
    Meeting.objects.filter(pk=meeting.pk).update(status=status, updated_at=timezone.now())
    MeetingChange.objects.create(
        meeting=meeting, action=MeetingChange.Action.STATUS, new_status=status, changed_by=user
    )


def mark_status(*, meeting: Meeting, status: str, user) -> bool:
    """Whether the meeting took the status: not if it had it already, if a cancellation finds
    it cancelled, or if it would come back on a time another meeting holds now."""
    if meeting.status == status or (status in CANCELLING and not meeting.is_active):
        return False
    try:
        with transaction.atomic():
            change_meeting_status(meeting=meeting, status=status, user=user)
    except booking.BookingError as error:
        if error.code != booking.NOT_ACTIVE:
            raise
        return False  # cancelled meanwhile
    except IntegrityError:
        return False  # the database's overlap rule (PostgreSQL)
    return True


def mark_meetings(modeladmin, request, queryset, *, status):
    changed = sum(
        mark_status(meeting=meeting, status=status, user=request.user)
        for meeting in queryset.select_related("meeting_type", "inquiry")
    )
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d tapaamisen tila on nyt %(status)s.",
            "%(count)d tapaamisen tila on nyt %(status)s.",
            changed,
        )
        % {"count": changed, "status": Meeting.Status(status).label},
        messages.SUCCESS,
    )


def status_action(status: Meeting.Status, description: str):
    action = partial(mark_meetings, status=status)
    action.__name__ = f"mark_{status.value}"
    return admin.action(description=description, permissions=["change"])(action)


STATUS_ACTIONS = [
    status_action(Meeting.Status.HELD, gettext_lazy("Merkitse pidetyksi")),
    status_action(Meeting.Status.NO_SHOW, gettext_lazy("Merkitse: ei saapunut")),
    status_action(Meeting.Status.LATE_CANCELLED, gettext_lazy("Merkitse: peruttu myöhään")),
]

MEETING_COLUMNS = ["start", "end", "meeting_type", "place", "status"]
CLIENT_COLUMNS = ["name", "email", "organisation"]


def label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name).capitalize()


@admin.action(
    description=gettext_lazy("Vie valitut CSV-tiedostoon (Excel)"), permissions=["export"]
)
def export_meetings_csv(modeladmin, request, queryset):
    response, writer = csv_response("tapaamiset")
    writer.writerow(
        [label(Inquiry, "reference")]
        + [label(Meeting, column) for column in MEETING_COLUMNS]
        + [label(Inquiry, column) for column in CLIENT_COLUMNS]
    )
    for meeting in queryset.select_related("meeting_type", "inquiry").order_by("start"):
        inquiry = meeting.inquiry
        row = [
            inquiry.reference,
            csv_time(meeting.start),
            csv_time(meeting.end),
            meeting.meeting_type,
            meeting.get_place_display(),
            meeting.get_status_display(),
            *(getattr(inquiry, column) for column in CLIENT_COLUMNS),
        ]
        writer.writerow([csv_cell(value) for value in row])
    return response
