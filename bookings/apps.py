from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Yhteydenotot")

    def ready(self):
        # The booking rules are content: saving them gives the content a new version.
        # Without the email worker, a request's emails go out after its response is sent.
        from .outbox import worker
        from .scheduling import signals  # noqa: F401

        worker.connect_signals()
