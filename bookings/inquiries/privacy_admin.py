"""Privacy in the admin: each inquiry's deletion date, and one page to answer a person's access,
export or erasure request by their email address.

Every step is a POST: an address in a URL would end up in the web server's access logs.
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters

from aventuria.admin_changelist import DateHierarchyMixin

from ..models import InquiryNote, Meeting, MeetingChange, Notification, PrivacyLog, StatusChange
from . import privacy


class PrivacyRequestForm(forms.Form):
    FIND, EXPORT, ERASE, ERASE_CONFIRMED = "find", "export", "erase", "erase-confirmed"

    email = forms.EmailField(label=gettext_lazy("Sähköpostiosoite"), max_length=254)
    step = forms.ChoiceField(
        choices=[(step, step) for step in (FIND, EXPORT, ERASE, ERASE_CONFIRMED)],
        initial=FIND,
        widget=forms.HiddenInput,
    )


class PrivacyRequestAdminMixin:
    """For InquiryAdmin: the deletion date column and the privacy request page."""

    privacy_request_template = "admin/bookings/inquiry/privacy_request.html"

    def get_queryset(self, request):
        return privacy.with_retention_facts(super().get_queryset(request))

    @admin.display(description=gettext_lazy("poistetaan"))
    def deletion_due(self, obj):
        if obj.pk is None:
            return "-"
        retention = privacy.deletion_due(obj)
        if retention.due_at is None:
            return _("ei poisteta, kun asiakkuus jatkuu")
        day = date_format(timezone.localtime(retention.due_at), "j.n.Y")
        return f"{day} ({retention.reason.label})"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "tietosuojapyynto/",
                self.admin_site.admin_view(self.privacy_request_view),
                name="{}_{}_privacy".format(*info),
            ),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters("email"))
    def privacy_request_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Tietosuojapyyntö: tarkastus, vienti ja poisto"),
            "retention": {
                "no_client": settings.RETENTION_MONTHS_NO_CLIENT,
                "after_client": settings.RETENTION_MONTHS_AFTER_CLIENT,
                "spam": settings.RETENTION_DAYS_SPAM,
            },
        }
        if request.method != "POST":
            context["form"] = PrivacyRequestForm()
            return TemplateResponse(request, self.privacy_request_template, context)
        form = PrivacyRequestForm(request.POST)
        context["form"] = form
        if not form.is_valid():
            return TemplateResponse(request, self.privacy_request_template, context, status=400)
        email, step = form.cleaned_data["email"], form.cleaned_data["step"]
        if step in (form.ERASE, form.ERASE_CONFIRMED) and not self.has_delete_permission(request):
            raise PermissionDenied
        if step == form.EXPORT and not self.has_export_permission(request):
            raise PermissionDenied
        if step == form.ERASE_CONFIRMED:
            rows = privacy.erase_person(email=email, user=request.user)
            self.message_user(
                request,
                ngettext(
                    "Tiedot poistettiin: %(count)d rivi.",
                    "Tiedot poistettiin: %(count)d riviä.",
                    rows,
                )
                % {"count": rows},
                messages.SUCCESS,
            )
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        person = privacy.find_person(email)
        if step == form.EXPORT:
            privacy.record(
                action=PrivacyLog.Action.EXPORT,
                email=email,
                user=request.user,
                rows=person.row_count,
            )
            response = HttpResponse(
                json.dumps(
                    person.as_json_data(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
                ),
                content_type="application/json; charset=utf-8",
            )
            filename = f"tietosuojapyynto-{timezone.localdate():%Y-%m-%d}.json"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        context |= {
            "email": email,
            "person": person,
            "inquiries": [
                {
                    "inquiry": inquiry,
                    "fields": privacy.row_display(inquiry),
                    "goals": [goal.text for goal in inquiry.goals.all()],
                    "retention": privacy.deletion_due(inquiry),
                    "related": [
                        (
                            _("Muistiinpanot"),
                            privacy.table_display(InquiryNote, inquiry.notes.all()),
                        ),
                        (
                            _("Tilahistoria"),
                            privacy.table_display(StatusChange, inquiry.status_changes.all()),
                        ),
                        (
                            _("Sähköposti-ilmoitukset"),
                            privacy.table_display(Notification, inquiry.notifications.all()),
                        ),
                        (_("Tapaamiset"), privacy.table_display(Meeting, inquiry.meetings.all())),
                        (
                            _("Tapaamisten historia"),
                            privacy.table_display(
                                MeetingChange,
                                [c for m in inquiry.meetings.all() for c in m.changes.all()],
                            ),
                        ),
                    ],
                }
                for inquiry in person.inquiries
            ],
            "earlier_requests": PrivacyLog.objects.filter(
                email_hash=privacy.email_hash(email)
            ).select_related("user"),
            "confirm_erasure": step == form.ERASE,
            "can_erase": self.has_delete_permission(request),
            "can_export": self.has_export_permission(request),
        }
        if step == form.FIND:
            privacy.record(
                action=PrivacyLog.Action.ACCESS,
                email=email,
                user=request.user,
                rows=person.row_count,
            )
        return TemplateResponse(request, self.privacy_request_template, context)


@admin.register(PrivacyLog)
class PrivacyLogAdmin(DateHierarchyMixin, admin.ModelAdmin):
    """Read only: a log that could be edited would prove nothing."""

    list_display = ["created_at", "action", "username", "rows", "short_hash"]
    list_filter = ["action", ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    fields = ["created_at", "action", "user", "username", "rows", "email_hash"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("osoitteen tiiviste"))
    def short_hash(self, obj):
        # Enough to tell addresses apart at a glance; the full hash is on the entry's page.
        return obj.email_hash[:12] or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
