"""The meeting list's actions: a meeting marked held, not attended or cancelled late, and the
selected meetings as CSV for Excel.

Every status change goes through the one write path (bookings.scheduling.meetings), so each
keeps its history, a late cancellation sends the client the cancellation, and a meeting that
would take back a time someone else holds now is refused, with the reason.
"""

from functools import partial

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aventuria.csv_export import csv_cell, csv_response, csv_time

from ..models import Inquiry, Meeting
from . import meetings

CANCELLING = (Meeting.Status.CANCELLED, Meeting.Status.LATE_CANCELLED)


def email_described(meeting: Meeting, what: str) -> str:
    return {
        meetings.INVITATION: _("päivitetty kalenterikutsu"),
        meetings.CANCELLATION: _("peruutus (kalenterikutsun poisto)"),
    }[what]


def client_email_of(meeting: Meeting, *, status, user) -> str:
    """What the client would be sent if the meeting were marked: tried by the write path and
    rolled back (a refusal is reported when the change is made)."""
    try:
        tried = meetings.change_meeting(meeting=meeting, status=status, user=user, dry_run=True)
    except meetings.MeetingRefused:
        return ""
    return tried.client_email


def confirm_emails(modeladmin, request, selected, *, status):
    """The page before an action that emails clients: who gets what. None when nobody would."""
    emailed = []
    for meeting in selected:
        what = client_email_of(meeting, status=status, user=request.user)
        if what:
            emailed.append(
                {
                    "who": f"{meeting.inquiry.name} <{meeting.inquiry.email}>",
                    "what": email_described(meeting, what),
                    "meeting": meetings.describe(meeting),
                }
            )
    if not emailed:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": _("Lähetetäänkö asiakkaille sähköposti?"),
        "status_label": Meeting.Status(status).label,
        "emailed": emailed,
        "silent": len(selected) - len(emailed),
        "selected": [meeting.pk for meeting in selected],
        "action": request.POST.get("action", ""),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/bookings/meeting/confirm_emails.html", context)


def mark_meetings(modeladmin, request, queryset, *, status):
    selected = [
        meeting
        for meeting in queryset.select_related("meeting_type", "inquiry").order_by("start")
        # As marked already, or a cancellation that finds it cancelled: nothing to do.
        if not (meeting.status == status or (status in CANCELLING and not meeting.is_active))
    ]
    if request.POST.get("_confirm_emails") != "yes":
        confirmation = confirm_emails(modeladmin, request, selected, status=status)
        if confirmation is not None:
            return confirmation
    changed = refused_count = 0
    for meeting in selected:
        try:
            meetings.set_meeting_status(meeting=meeting, status=status, user=request.user)
        except meetings.MeetingRefused as refused:
            refused_count += 1
            modeladmin.message_user(
                request,
                _("Tapaamista %(meeting)s ei merkitty: %(reason)s")
                % {"meeting": meetings.describe(meeting), "reason": refused.message},
                messages.ERROR,
            )
        else:
            changed += 1
    if refused_count and not changed:
        return
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
