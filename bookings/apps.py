from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Yhteydenotot")

    def ready(self):
        # Henna's calendars have their ModelAdmins in a module of their own (the admin app's
        # autodiscovery has imported bookings.admin by now).
        from . import admin_calendar  # noqa: F401
