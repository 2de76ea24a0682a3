from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Yhteydenotot")

    def ready(self):
        # The booking rules' cache invalidation, and Henna's calendars' ModelAdmins, which have
        # a module of their own (the admin's autodiscovery has imported bookings.admin by now).
        from . import admin_calendar, signals  # noqa: F401
