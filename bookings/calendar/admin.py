"""Henna's calendars in the admin: the address of her own calendar (busy times in) and the secret
address of her meetings' feed (for her phone). Both are one settings page each.

Both addresses are secrets: once saved, the calendar's address is shown masked, and the feed's
address is shown once, when it is made (only its hash is kept).
"""

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..models import BusyInterval, CalendarFeed, CalendarSync
from . import busy, feed
from .fetch import CalendarError, fetch


class SingletonAdmin(admin.ModelAdmin):
    """One row, edited on its own page: the list goes straight to it."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", 1)

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) == "1":
            return self.model.load()  # The page exists before anything is saved on it.
        return None

    def action_url(self, name: str, view):
        info = self.opts.app_label, self.opts.model_name
        return path(
            f"<path:object_id>/{name}/",
            self.admin_site.admin_view(require_POST(view)),
            name="{}_{}_{}".format(*info, name),
        )

    def back_to_change(self, obj):
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk)


def qr_code(text: str, *, title: str) -> SafeString:
    """The address as a QR code for the phone's camera: an inline SVG (no image request, no
    inline style), drawn by segno."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=2, title=title, svgclass="qr")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno's own markup, the title escaped by segno


def when(value) -> str:
    return date_format(timezone.localtime(value), "j.n.Y H.i") if value else "–"


class CalendarSyncForm(forms.ModelForm):
    # Never shown once saved: the saved address is a secret (anyone with it reads her calendar).
    source_url = forms.CharField(
        label=gettext_lazy("uusi iCal-osoite"),
        max_length=CalendarSync._meta.get_field("source_url").max_length,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "calendar-address"}
        ),
        help_text=CalendarSync._meta.get_field("source_url").help_text,
    )
    remove = forms.BooleanField(
        label=gettext_lazy("lopeta oman kalenterin lukeminen"),
        required=False,
        help_text=gettext_lazy("Poistaa tallennetun osoitteen ja siitä luetut varatut ajat."),
    )

    class Meta:
        model = CalendarSync
        fields = ["source_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_url = self.instance.source_url
        self.initial["source_url"] = ""

    def clean_source_url(self):
        url = self.cleaned_data["source_url"].strip()
        if url:
            CalendarSync._meta.get_field("source_url").run_validators(url)
        return url

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("source_url")
        if url and url != self.saved_url and not cleaned.get("remove"):
            # Read before it is saved: an address that is refused (not a calendar, not found,
            # not allowed) stays unsaved, rather than being retried and reported every few
            # minutes. The save reads it again, for real.
            start, end = busy.window(timezone.now())
            try:
                busy.busy_intervals(fetch(url), start=start, end=end)
            except CalendarError as error:
                self.add_error("source_url", error.message)
        return cleaned

    def wanted_url(self) -> str:
        """The address to read from after this save."""
        if self.cleaned_data.get("remove"):
            return ""
        return self.cleaned_data["source_url"] or self.saved_url


@admin.register(CalendarSync)
class CalendarSyncAdmin(SingletonAdmin):
    form = CalendarSyncForm
    change_form_template = "admin/bookings/calendarsync/change_form.html"
    readonly_fields = [
        "saved_address",
        "last_success",
        "error",
        "last_attempt",
        "busy_times",
    ]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["saved_address", "source_url", "remove"]}),
            (
                _("Haun tila"),
                {"fields": ["last_success", "error", "last_attempt", "busy_times"]},
            ),
        ]

    @admin.display(description=gettext_lazy("tallennettu osoite"))
    def saved_address(self, obj):
        return obj.masked_url or _("Ei osoitetta: omaa kalenteria ei lueta.")

    @admin.display(description=gettext_lazy("onnistui viimeksi"))
    def last_success(self, obj):
        return when(obj.last_success_at)

    @admin.display(description=gettext_lazy("haettu viimeksi"))
    def last_attempt(self, obj):
        return when(obj.last_attempt_at)

    @admin.display(description=gettext_lazy("virhe"))
    def error(self, obj):
        if not obj.last_error:
            return "–"
        return _("%(error)s (epäonnistunut %(since)s alkaen)") % {
            "error": obj.last_error,
            "since": when(obj.failing_since),
        }

    @admin.display(description=gettext_lazy("varattuja aikoja tallessa"))
    def busy_times(self, obj):
        return BusyInterval.objects.filter(end__gt=timezone.now()).count()

    def save_model(self, request, obj, form, change):
        busy.set_calendar_source(url=form.wanted_url())
        obj.refresh_from_db()

    def response_change(self, request, obj):
        if obj.source_url:  # Saving reads the calendar at once, so Henna sees if it works.
            self.fetch_and_report(request)
            return self.back_to_change(obj)
        return super().response_change(request, obj)

    def get_urls(self):
        return [self.action_url("fetch", self.fetch_view), *super().get_urls()]

    def fetch_view(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        self.fetch_and_report(request)
        return self.back_to_change(CalendarSync.load())

    def fetch_and_report(self, request):
        result = busy.sync_busy_calendar()
        if result.ok:
            self.message_user(
                request,
                _("Kalenteri haettu: %(count)d varattua aikaa tallessa.")
                % {"count": result.intervals},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, result.error, messages.ERROR)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SingletonAdmin):
    fields = ["address", "with_names"]
    readonly_fields = ["address"]
    change_form_template = "admin/bookings/calendarfeed/change_form.html"
    new_address_template = "admin/bookings/calendarfeed/new_address.html"

    @admin.display(description=gettext_lazy("osoite"))
    def address(self, obj):
        if not obj.token_hash:
            return _("Ei vielä luotu. Luo osoite painikkeella ”Luo uusi osoite”.")
        return _(
            "Käytössä, luotu %(created)s. Osoite näytettiin, kun se luotiin; jos se on "
            "hukassa, luo uusi (vanha lakkaa toimimasta)."
        ) % {"created": when(obj.created_at)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "with_names" in form.changed_data and obj.with_names:
            self.message_user(
                request,
                _(
                    "Asiakkaiden nimet näkyvät nyt kalenterissa kaikilla laitteilla ja "
                    "palveluissa, joihin se on tilattu."
                ),
                messages.WARNING,
            )

    def get_urls(self):
        return [self.action_url("new-address", self.new_address_view), *super().get_urls()]

    def new_address_view(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        urls = feed.new_feed_address()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Uusi kalenterin osoite"),
            "urls": urls,
            "webcal_qr": qr_code(urls["webcal"], title=_("QR-koodi kalenterin osoitteesta")),
            "back_url": reverse("admin:bookings_calendarfeed_change", args=[1]),
            "site_url": settings.SITE_URL,
        }
        response = TemplateResponse(request, self.new_address_template, context)
        # Shown once: not for the browser's cache or its back button to keep.
        response["Cache-Control"] = "private, no-store"
        return response
