"""Henna's side of booking: meeting types, weekly hours, exceptions and the meetings themselves.

A meeting changes only through the write path (bookings.scheduling.meetings), so every change
is checked, keeps its history and sends its email; nothing here writes a meeting directly.
"""

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Min, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from ..models import AvailabilityException, Meeting, MeetingChange, MeetingType, WeeklyHours
from . import meetings
from .meeting_actions import STATUS_ACTIONS, email_described, export_meetings_csv
from .schedule_admin import time_warnings


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


# Times as Henna writes them ("9.00"; "9" will do), without the admin's clock and its "Nyt"
# link, which no weekly hour needs.
PLAIN_TIME = {
    models.TimeField: {
        "widget": forms.TimeInput(format="%H.%M", attrs={"size": 6, "inputmode": "decimal"})
    }
}


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(admin.ModelAdmin):
    formfield_overrides = PLAIN_TIME
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
    fields = ["kind", "start_date", "end_date", "start_time", "end_time", "note", "touched"]
    readonly_fields = ["touched"]
    form = ExceptionForm
    formfield_overrides = PLAIN_TIME

    @staticmethod
    def meetings_on(exception) -> list[Meeting]:
        """The active meetings on the days of a day off: they stay, Henna moves or cancels."""
        if exception.pk is None or exception.kind != AvailabilityException.Kind.OFF:
            return []
        first = datetime.combine(exception.start_date, datetime.min.time())
        after = datetime.combine(exception.last_date + timedelta(days=1), datetime.min.time())
        return list(
            Meeting.objects.active()
            .filter(start__lt=timezone.make_aware(after), end__gt=timezone.make_aware(first))
            .select_related("meeting_type", "inquiry")
            .order_by("start")
        )

    @admin.display(description=_("tapaamiset näinä päivinä"))
    def touched(self, exception):
        found = self.meetings_on(exception)
        if not found:
            return _("Ei tapaamisia.")
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>',
            (
                (reverse("admin:bookings_meeting_change", args=[m.pk]), meetings.describe(m))
                for m in found
            ),
        )

    def response_add(self, request, obj, post_url_continue=None):
        self.warn_of_meetings(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.warn_of_meetings(request, obj)
        return super().response_change(request, obj)

    def warn_of_meetings(self, request, obj):
        found = self.meetings_on(obj)
        if found:
            self.message_user(
                request,
                ngettext(
                    "Vapaalle osuu %(count)d tapaaminen: %(meetings)s. Se pysyy ennallaan; "
                    "siirrä tai peru se tarvittaessa.",
                    "Vapaalle osuu %(count)d tapaamista: %(meetings)s. Ne pysyvät ennallaan; "
                    "siirrä tai peru ne tarvittaessa.",
                    len(found),
                )
                % {
                    "count": len(found),
                    "meetings": ", ".join(
                        f"{m.inquiry.name}: {meetings.describe(m)}" for m in found
                    ),
                },
                messages.WARNING,
            )


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
        if "start" not in self.fields:
            return  # a user who may only look: every field is read-only
        # As times are written in Finnish: 14.00, not 14.00.00.
        self.fields["start"].widget.widgets[1].format = "%H.%M"
        self.fields["allow_overlap"].help_text = _(
            "Tapaaminen saa olla samaan aikaan toisen tapaamisen kanssa. Valitse vain, jos "
            "päällekkäisyys on tarkoituksellinen."
        )
        meeting_type = self.fields["meeting_type"].widget
        # The type is chosen here, not created, changed or deleted (its own page does that).
        for flag in ("can_add_related", "can_change_related", "can_delete_related"):
            setattr(meeting_type, flag, False)

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

    # What saving would send the client (meetings.INVITATION, CANCELLATION or ""), from the dry run.
    client_email = ""

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned
        try:
            tried = meetings.change_meeting(
                meeting=self.instance, user=self.user, dry_run=True, **self.changes()
            )
        except meetings.MeetingRefused as refused:
            self.add_error(self.field_for(refused), refused.message)
        else:
            self.client_email = tried.client_email
        return cleaned

    def field_for(self, refused) -> str | None:
        """The field a refusal is about, or None for the whole form."""
        if refused.code == meetings.WRONG_PLACE:
            return "place"
        if refused.code == meetings.TAKEN:
            changed = [f for f in ("start", "meeting_type", "status") if f in self.changed_data]
            return changed[0] if changed else None
        return None


class MeetingWhenFilter(admin.SimpleListFilter):
    """Upcoming meetings by default, soonest first: what Henna works on."""

    title = _("milloin")
    parameter_name = "when"
    UPCOMING, WEEK, PAST, ALL = "upcoming", "week", "past", "all"

    def lookups(self, request, model_admin):
        return [
            (self.UPCOMING, _("Tulevat")),
            (self.WEEK, _("Seuraavat 7 päivää")),
            (self.PAST, _("Menneet")),
            (self.ALL, _("Kaikki")),
        ]

    def queryset(self, request, queryset):
        value, now = self.value() or self.UPCOMING, timezone.now()
        if value == self.UPCOMING:
            # Today's earlier meetings too: Henna marks them held during the day.
            today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            return queryset.filter(end__gt=today)
        if value == self.WEEK:
            return queryset.filter(end__gt=now, start__lt=now + timedelta(days=7))
        if value == self.PAST:
            return queryset.filter(start__lt=now)
        return queryset

    def choices(self, changelist):
        current = self.value() or self.UPCOMING
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    form = MeetingForm
    list_display = ["start", "meeting_type", "client", "place", "status"]
    list_filter = [
        MeetingWhenFilter,
        "status",
        "meeting_type",
        ("start", admin.DateFieldListFilter),
    ]
    list_select_related = ["meeting_type", "inquiry"]
    date_hierarchy = "start"
    search_fields = ["inquiry__name", "inquiry__email", "inquiry__reference"]
    # The calendar's SEQUENCE and UID are the invitations' business, not Henna's.
    readonly_fields = ["client_link", "end", "hold_until", "created_at", "updated_at"]
    inlines = [MeetingChangeInline]
    ordering = ["start"]
    actions = [*STATUS_ACTIONS, export_meetings_csv]

    def get_ordering(self, request):
        # The past, latest first; everything else soonest first.
        if request.GET.get(MeetingWhenFilter.parameter_name) == MeetingWhenFilter.PAST:
            return ["-start"]
        return self.ordering

    def get_fields(self, request, obj=None):
        editable = ["meeting_type", "start", "place", "video_link", "status", "allow_overlap"]
        readonly = [f for f in self.readonly_fields if f != "client_link"]
        return ["client_link", *editable, "opened_version", *readonly]

    @admin.display(description=_("asiakas"))
    def client_link(self, meeting):
        """Whose meeting: a link to the inquiry, never a box (the meeting stays the client's)."""
        inquiry = meeting.inquiry
        who = f"{inquiry.name}, {inquiry.organisation}" if inquiry.organisation else inquiry.name
        return format_html(
            '<a href="{}">{}</a> <span class="quiet">({})</span>',
            reverse("admin:bookings_inquiry_change", args=[inquiry.pk]),
            who,
            inquiry.reference,
        )

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
        if (
            request.method == "POST"
            and object_id
            and "_confirm_emails" not in request.POST
            and self.has_change_permission(request)
        ):
            confirmation = self.email_confirmation(request, object_id)
            if confirmation is not None:
                return confirmation
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except meetings.MeetingRefused as refused:
            # Refused while saving, after the form's own try passed: nothing was saved.
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def move_warnings(self, was: tuple, data) -> list[str]:
        """A new time or type: the scheduling preview's warnings for it."""
        meeting_type, start = data["meeting_type"], data["start"]
        if (start, meeting_type.pk) == was:
            return []
        return time_warnings(
            meeting_type=meeting_type, start=start, end=start + meeting_type.duration
        )

    def email_confirmation(self, request, object_id):
        """A save that emails the client asks first, on a page of its own, who gets what: the
        form's data goes on as it was typed, with the confirmation."""
        meeting = self.get_object(request, unquote(object_id))
        if meeting is None:
            return None
        # As it is now: validating the form writes what was typed into the instance.
        was, described = (meeting.start, meeting.meeting_type_id), meetings.describe(meeting)
        form = self.get_form(request, meeting, change=True)(request.POST, instance=meeting)
        if not form.is_valid() or not form.client_email:
            return None  # the change form shows its errors, or saves without an email
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": meeting,
            "title": _("Lähetetäänkö asiakkaalle sähköposti?"),
            "who": f"{meeting.inquiry.name} <{meeting.inquiry.email}>",
            "what": email_described(meeting, form.client_email),
            "meeting": described,
            "warnings": self.move_warnings(was, form.cleaned_data),
            "posted": [
                (key, value)
                for key, values in request.POST.lists()
                if key != "csrfmiddlewaretoken"
                for value in values
            ],
        }
        return TemplateResponse(
            request, "admin/bookings/meeting/confirm_change_email.html", context
        )


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
