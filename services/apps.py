from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Sivuston sisältö")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import history, signals  # noqa: F401

        post_migrate.connect(history.record_initial_versions, sender=self)
