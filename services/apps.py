from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Sivuston sisältö")

    def ready(self):
        from . import history, signals  # noqa: F401
