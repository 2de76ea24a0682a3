from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from .admin_menu import arrange


class OTPLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the code from the authenticator app, on one page.

    django-otp asks the user to pick a device before it checks a code (so that a wrong guess does
    not throttle the other devices); with a single device there is nothing to pick, so it is used.
    """

    otp_token = forms.CharField(
        label=_("Kertakäyttökoodi"),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        help_text=_("Kuusinumeroinen koodi puhelimen todennussovelluksesta."),
    )
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Kirjoita kertakäyttökoodi todennussovelluksesta."),
        "invalid_token": _("Koodi ei kelpaa. Tarkista se ja yritä uudelleen."),
        "device_required": _("Valitse laite."),
        "no_device": _(
            "Tunnukselle ei ole vielä otettu käyttöön kertakäyttökoodeja. Ylläpitäjä ottaa ne "
            "käyttöön komennolla manage.py totp_setup."
        ),
    }

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user))
            if not devices:
                raise forms.ValidationError(self.otp_error_messages["no_device"], code="no_device")
            if len(devices) == 1:
                device = devices[0]
        return device

    def show_device_choice(self) -> bool:
        user = self.get_user()
        return user is not None and len(list(devices_for_user(user))) > 1


class AventuriaAdminSite(OTPAdminSite):
    site_header = _("Aventurian ylläpito")
    site_title = _("Aventurian ylläpito")
    index_title = _("Sisältö ja yhteydenotot")
    index_template = "admin/aventuria_index.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def has_permission(self, request):
        # Two-factor login is required when DJANGO_ADMIN_2FA is on (the default in production);
        # OTPAdminSite's check then also demands a verified device.
        if settings.ADMIN_2FA:
            return super().has_permission(request)
        return admin.AdminSite.has_permission(self, request)

    @property
    def login_form(self):
        return OTPLoginForm if settings.ADMIN_2FA else None

    @property
    def login_template(self):
        return "admin/login_2fa.html" if settings.ADMIN_2FA else None

    def get_urls(self):
        from django.urls import path

        from bookings.calendar.agenda import agenda_view

        def agenda(request):
            return agenda_view(request, site=self)

        return [path("viikko/", self.admin_view(agenda), name="agenda"), *super().get_urls()]

    def each_context(self, request):
        context = super().each_context(request)
        context["admin_2fa"] = settings.ADMIN_2FA
        return context

    def get_app_list(self, request, app_label=None):
        # Henna's order and names (aventuria.admin_menu); booking's meetings slot in there.
        return arrange(super().get_app_list(request, app_label), group=app_label is None)

    def index(self, request, extra_context=None):
        from bookings.models import Inquiry

        extra_context = dict(extra_context or {})
        # Only for those who may see the inquiries: the count alone says how busy Henna is.
        if request.user.has_perm("bookings.view_inquiry"):
            extra_context["new_inquiry_count"] = Inquiry.objects.filter(
                status=Inquiry.Status.NEW
            ).count()
            extra_context["show_inquiry_summary"] = True
        return super().index(request, extra_context)
