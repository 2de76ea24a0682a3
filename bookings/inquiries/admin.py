from functools import partial
from urllib.parse import quote

from django.contrib import admin, messages
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aventuria.admin_changelist import DateHierarchyMixin
from aventuria.csv_export import csv_cell, csv_response, csv_time

from ..models import Inquiry, InquiryNote, Notification, StatusChange
from ..scheduling.admin import MeetingInline, MeetingTimeFilter, with_meeting_time
from ..scheduling.schedule_admin import ScheduleAdminMixin
from . import services
from .privacy_admin import PrivacyRequestAdminMixin


class StatusFilter(admin.SimpleListFilter):
    """Open inquiries by default: those Henna still has to act on."""

    title = _("tila")
    parameter_name = "status"
    OPEN, ALL = "open", "all"

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("Avoimet")), *Inquiry.Status.choices, (self.ALL, _("Kaikki"))]

    def queryset(self, request, queryset):
        value = self.value() or self.OPEN
        if value == self.OPEN:
            return queryset.open()
        if value == self.ALL:
            return queryset
        return queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or self.OPEN
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class InquiryNoteInline(admin.StackedInline):
    model = InquiryNote
    extra = 1
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # Notes are a log: add new ones, keep the old.


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["changed_at", "from_status", "to_status", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    fields = ["kind", "sent_at", "attempts", "last_error", "gave_up_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def set_status(modeladmin, request, queryset, *, status):
    changed = sum(
        services.change_status(inquiry=inquiry, status=status, user=request.user)
        for inquiry in queryset
    )
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d yhteydenoton tila on nyt %(status)s.",
            "%(count)d yhteydenoton tila on nyt %(status)s.",
            changed,
        )
        % {"count": changed, "status": Inquiry.Status(status).label},
        messages.SUCCESS,
    )


def status_action(status: Inquiry.Status):
    action = partial(set_status, status=status)
    action.__name__ = f"mark_{status.value}"
    # format_lazy: the label is put together in the language of each request, not at import.
    description = format_lazy(_("Merkitse tilaan: {status}"), status=status.label)
    # A status decides what happens to the inquiry (spam is purged soon, a client's is kept):
    # a change, so a user who may only view inquiries gets no such action.
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Inquiry)
class InquiryAdmin(
    ScheduleAdminMixin, DateHierarchyMixin, PrivacyRequestAdminMixin, admin.ModelAdmin
):
    # What tells the rows apart and what Henna acts on, narrow enough for a laptop without
    # sideways scrolling; the language and deletion date are on the inquiry's page.
    list_display = ["client", "kind_short", "status", "meeting_time", "received"]
    list_display_links = ["client"]
    list_filter = [
        StatusFilter,
        "kind",
        MeetingTimeFilter,
        ("created_at", admin.DateFieldListFilter),
        "language",
    ]
    search_fields = ["name", "email", "organisation", "reference"]
    ordering = ["created_at"]
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [MeetingInline, InquiryNoteInline, StatusChangeInline, NotificationInline]
    readonly_fields = [
        "reference",
        "created_at",
        "updated_at",
        "language",
        "privacy_notice",
        "waiting_time",
        "deletion_due",
        "held_sessions",
    ]
    filter_horizontal = []
    # Henna picks the organisation who pays, or adds it (+) from what the client typed.
    autocomplete_fields = ["payer"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status",
                    "created_at",
                    "waiting_time",
                    "updated_at",
                    "held_sessions",
                ]
            },
        ),
        (
            _("Yhteydenotto"),
            {
                "fields": [
                    "kind",
                    "considered_kind",
                    "name",
                    "email",
                    "phone",
                    "organisation",
                    "payer",
                    "participants",
                    "goals",
                    "format",
                    "preferred_times",
                    "message",
                ]
            },
        ),
        (
            _("Tietosuoja"),
            {"fields": ["language", "privacy_notice", "client_ended_at", "deletion_due"]},
        ),
    ]

    class Media:
        css = {"all": ["admin/css/inquiries.css"]}

    actions = [
        *(status_action(status) for status in Inquiry.Status),
        "export_csv",
    ]

    def get_queryset(self, request):
        return with_meeting_time(super().get_queryset(request).prefetch_related("goals"))

    @admin.display(description=_("tapaaminen"), ordering="meeting_time")
    def meeting_time(self, obj):
        if getattr(obj, "meeting_time", None) is None:
            return "-"
        return timezone.localtime(obj.meeting_time).strftime("%d.%m.%Y %H.%M")

    @admin.display(description=_("nimi"), ordering="name")
    def client(self, obj):
        if not obj.organisation:
            return obj.name
        return format_html('{}<br><span class="quiet">{}</span>', obj.name, obj.organisation)

    @admin.display(description=_("muoto"), ordering="kind")
    def kind_short(self, obj):
        # "Ryhmätyönohjaus (tiimi tai ryhmä)" without its explanation, to keep the column narrow.
        return obj.get_kind_display().split(" (")[0]

    @admin.display(description=_("vastaanotettu"), ordering="created_at")
    def received(self, obj):
        """The day received, how long it has waited (open ones), and when it is deleted."""
        day = date_format(timezone.localtime(obj.created_at), "j.n.Y")
        waiting = self.waiting_time(obj)
        lines = [] if waiting == "-" else [_("odottanut %(time)s") % {"time": waiting}]
        lines.append(_("Poistetaan %(when)s") % {"when": self.deletion_due(obj)})
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            day,
            format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)),
        )

    @admin.display(description=_("vastaa"))
    def reply(self, obj):
        """A mailto link: the reply is written in Henna's own mail program and stays in her
        mailbox, with the reference in the subject (in the client's language)."""
        if obj.pk is None or not obj.email:
            return "-"
        with translation.override(obj.language):
            subject = _("Yhteydenottosi Aventuriaan (viite %(reference)s)") % {
                "reference": obj.reference
            }
        address = f"mailto:{quote(obj.email, safe='@')}?subject={quote(subject)}"
        return format_html(
            '<a class="reply-link" href="{}">{}</a> <span class="quiet">{}</span>',
            address,
            _("Vastaa sähköpostilla"),
            _("(avaa oman sähköpostiohjelmasi)"),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        # What the client wrote stays as they wrote it; the address may be mended.
        return [*fields, "message", "preferred_times", "reply"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        first, (title, options), *rest = fieldsets
        fields = list(options["fields"])
        fields.insert(fields.index("email") + 1, "reply")
        return [first, (title, {**options, "fields": fields}), *rest]

    @admin.display(description=_("odottanut"))
    def waiting_time(self, obj):
        if obj.pk is None:
            return "-"
        if not obj.is_open:
            return "-"
        return timesince(obj.created_at, timezone.now(), depth=1)

    def save_model(self, request, obj, form, change):
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            services.change_status(inquiry=obj, status=new_status, user=request.user)
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for note in formset.save(commit=False):
            if isinstance(note, InquiryNote) and note.author_id is None:
                note.author = request.user
            note.save()
        formset.save_m2m()

    def has_export_permission(self, request) -> bool:
        """Exports take personal data out of the admin: a permission of their own."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.export_{opts.model_name}")

    @admin.action(description=_("Vie valitut CSV-tiedostoon (Excel)"), permissions=["export"])
    def export_csv(self, request, queryset):
        response, writer = csv_response("yhteydenotot")
        columns = [
            "reference",
            "created_at",
            "status",
            "kind",
            "name",
            "email",
            "phone",
            "organisation",
            "participants",
            "format",
            "preferred_times",
            "message",
            "language",
        ]
        writer.writerow(
            [str(Inquiry._meta.get_field(c).verbose_name).capitalize() for c in columns]
            + [str(_("Tavoitteet"))]
        )
        for inquiry in queryset.prefetch_related("goals").order_by("created_at"):
            row = []
            for column in columns:
                if column == "created_at":
                    value = csv_time(inquiry.created_at)
                elif Inquiry._meta.get_field(column).choices:
                    value = getattr(inquiry, f"get_{column}_display")()
                else:
                    value = getattr(inquiry, column)
                row.append(csv_cell(value))
            row.append(csv_cell(", ".join(goal.text for goal in inquiry.goals.all())))
            writer.writerow(row)
        return response
