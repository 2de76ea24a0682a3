from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


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
        return OTPAdminAuthenticationForm if settings.ADMIN_2FA else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_2FA else None

    def each_context(self, request):
        context = super().each_context(request)
        context["admin_2fa"] = settings.ADMIN_2FA
        return context

    def index(self, request, extra_context=None):
        from bookings.models import Inquiry

        extra_context = {
            **(extra_context or {}),
            "new_inquiry_count": Inquiry.objects.filter(status=Inquiry.Status.NEW).count(),
        }
        return super().index(request, extra_context)
