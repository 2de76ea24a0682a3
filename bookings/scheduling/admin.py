"""Henna's side of booking: meeting types, weekly hours, exceptions and the meetings themselves.

A meeting changes only through the write path (bookings.scheduling.meetings), so every change
is checked, keeps its history and sends its email; nothing here writes a meeting directly.
"""

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Min, Q
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from ..models import AvailabilityException, Meeting, MeetingChange, MeetingType, WeeklyHours
from . import meetings
from .meeting_actions import STATUS_ACTIONS, export_meetings_csv


@admin.register(MeetingType)
class MeetingTypeAdmin(TranslationAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "duration_minutes", "bookable_online", "in_kotka", "remote", "by_phone"]
    fieldsets = [
        (None, {"fields": ["name", "duration_minutes", "bookable_online"]}),
        (_("Paikka"), {"fields": ["in_kotka", "remote", "video_link", "by_phone"]}),
        (
            _("Varaamisen säännöt"),
            {
                "fields": [
                    "buffer_before_minutes",
                    "buffer_after_minutes",
                    "min_notice_hours",
                    "horizon_weeks",
                    "cancel_cutoff_hours",
                    "max_per_day",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # A type with meetings stays (the meetings refer to it); one without may go.
        if obj is not None and obj.meetings.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    list_display = ["__str__", "weekday", "start_time", "end_time"]
    list_editable = ["weekday", "start_time", "end_time"]
    list_display_links = ["__str__"]


class ExceptionForm(forms.ModelForm):
    """The database's rules for an exception, said in Henna's words."""

    class Meta:
        model = AvailabilityException
        fields = ["kind", "start_date", "end_date", "start_time", "end_time", "note"]

    def clean(self):
        cleaned = super().clean()
        start_date, end_date = cleaned.get("start_date"), cleaned.get("end_date")
        if start_date and end_date and end_date < start_date:
            self.add_error("end_date", _("Jakso ei voi päättyä ennen kuin se alkaa."))
        if cleaned.get("kind") == AvailabilityException.Kind.EXTRA:
            start, end = cleaned.get("start_time"), cleaned.get("end_time")
            if not (start and end):
                self.add_error("start_time", _("Anna lisäajan alkamis- ja päättymisaika."))
            elif start >= end:
                self.add_error("end_time", _("Lisäajan pitää päättyä alkamisen jälkeen."))
            if end_date:
                self.add_error("end_date", _("Lisäaika annetaan yhdelle päivälle kerrallaan."))
        return cleaned


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "kind", "start_time", "end_time", "note"]
    list_filter = ["kind"]
    date_hierarchy = "start_date"
    fields = ["kind", "start_date", "end_date", "start_time", "end_time", "note"]
    form = ExceptionForm


class MeetingChangeInline(admin.TabularInline):
    model = MeetingChange
    extra = 0
    fields = ["changed_at", "action", "old_start", "new_start", "new_status", "who"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("muuttaja"))
    def who(self, change):
        if change.changed_by:
            return change.changed_by.get_username()
        return _("asiakas") if change.by_client else _("järjestelmä")


class MeetingForm(forms.ModelForm):
    """The meeting's change form. Whether the change can be made is the write path's to say:
    clean() tries it and rolls it back (the admin's own transaction, which holds the meeting
    lock from then on, saves it for real), so a refusal shows here, on the field it concerns,
    with what was typed kept."""

    # The meeting as Henna opened it: what the client did since (cancelled, moved) is not
    # overwritten by a form that never showed it.
    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)
    user = None  # set per request by MeetingAdmin.get_form
    # A link typed without its scheme is an https one (Django 6's default, without the warning).
    video_link = Meeting._meta.get_field("video_link").formfield(assume_scheme="https")

    class Meta:
        model = Meeting
        fields = ["meeting_type", "start", "place", "video_link", "status", "allow_overlap"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.updated_at.isoformat()

    def clean_start(self):
        start = self.cleaned_data["start"]
        if not meetings.MIN_YEAR <= timezone.localtime(start).year <= meetings.MAX_YEAR:
            raise forms.ValidationError(
                _("Anna aika vuosilta %(first)s–%(last)s.")
                % {"first": meetings.MIN_YEAR, "last": meetings.MAX_YEAR}
            )
        return start

    def clean_opened_version(self):
        try:
            return datetime.fromisoformat(self.cleaned_data["opened_version"])
        except ValueError:
            return None

    def changes(self) -> dict:
        """What change_meeting is given: the fields, and the version the form was opened at."""
        data = self.cleaned_data
        return {
            "start": data["start"],
            "meeting_type": data["meeting_type"],
            "place": data["place"],
            "video_link": data["video_link"],
            "status": data["status"],
            "allow_overlap": data["allow_overlap"],
            "unchanged_since": data.get("opened_version"),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned
        try:
            meetings.change_meeting(
                meeting=self.instance, user=self.user, dry_run=True, **self.changes()
            )
        except meetings.MeetingRefused as refused:
            self.add_error(self.field_for(refused), refused.message)
        return cleaned

    def field_for(self, refused) -> str | None:
        """The field a refusal is about, or None for the whole form."""
        if refused.code == meetings.WRONG_PLACE:
            return "place"
        if refused.code == meetings.TAKEN:
            changed = [f for f in ("start", "meeting_type", "status") if f in self.changed_data]
            return changed[0] if changed else None
        return None


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    form = MeetingForm
    list_display = ["start", "meeting_type", "client", "place", "status"]
    list_filter = ["status", "meeting_type", ("start", admin.DateFieldListFilter)]
    list_select_related = ["meeting_type", "inquiry"]
    date_hierarchy = "start"
    search_fields = ["inquiry__name", "inquiry__email", "inquiry__reference"]
    readonly_fields = [
        "inquiry",
        "end",
        "sequence",
        "uid",
        "hold_until",
        "created_at",
        "updated_at",
    ]
    inlines = [MeetingChangeInline]
    ordering = ["-start"]
    actions = [*STATUS_ACTIONS, export_meetings_csv]

    def get_fields(self, request, obj=None):
        editable = ["meeting_type", "start", "place", "video_link", "status", "allow_overlap"]
        readonly = [f for f in self.readonly_fields if f != "inquiry"]
        return ["inquiry", *editable, "opened_version", *readonly]

    @admin.display(description=_("asiakas"), ordering="inquiry__name")
    def client(self, meeting):
        return meeting.inquiry.name

    def has_delete_permission(self, request, obj=None):
        # A meeting is cancelled, not deleted: its history stays and the client is told.
        # Erasure on request (privacy) removes it with its inquiry.
        return False

    def has_add_permission(self, request):
        # A meeting is scheduled from its inquiry's page ("Varaa tapaaminen"), where the
        # preview and the overlap checks are (schedule_admin.py, meetings.schedule_meetings).
        return False

    def has_export_permission(self, request) -> bool:
        """The export carries the clients' names and emails: the inquiry export's permission."""
        return request.user.has_perm("bookings.export_inquiry")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        # Only changes come here (no add), and go through the write path, as every change does.
        meetings.change_meeting(meeting=obj, user=request.user, **form.changes())
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except meetings.MeetingRefused as refused:
            # Refused while saving, after the form's own try passed: nothing was saved.
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.path)


class MeetingInline(admin.TabularInline):
    """The inquiry's meetings on its admin page; each opens in the meeting admin."""

    model = Meeting
    extra = 0
    fields = ["start", "meeting_type", "place", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MeetingTimeFilter(admin.SimpleListFilter):
    title = _("tapaaminen")
    parameter_name = "meeting"
    UPCOMING, TODAY, WEEK, PAST, NONE = "upcoming", "today", "week", "past", "none"

    def lookups(self, request, model_admin):
        return [
            (self.UPCOMING, _("Tuleva tapaaminen")),
            (self.TODAY, _("Tänään")),
            (self.WEEK, _("Seuraavat 7 päivää")),
            (self.PAST, _("Mennyt tapaaminen")),
            (self.NONE, _("Ei tapaamista")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        active = Q(meetings__status__in=Meeting.ACTIVE_STATUSES)
        value = self.value()
        if value == self.UPCOMING:
            return queryset.filter(active, meetings__start__gte=now).distinct()
        if value == self.TODAY:
            day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            return queryset.filter(
                active,
                meetings__start__gte=day_start,
                meetings__start__lt=day_start + timedelta(days=1),
            ).distinct()
        if value == self.WEEK:
            return queryset.filter(
                active, meetings__start__gte=now, meetings__start__lt=now + timedelta(days=7)
            ).distinct()
        if value == self.PAST:
            return queryset.filter(active, meetings__start__lt=now).distinct()
        if value == self.NONE:
            return queryset.exclude(active)
        return queryset


def with_meeting_time(queryset):
    """Each inquiry with its earliest meeting that holds its time (for the queue's column)."""
    return queryset.annotate(
        meeting_time=Min("meetings__start", filter=Q(meetings__status__in=Meeting.ACTIVE_STATUSES))
    )
