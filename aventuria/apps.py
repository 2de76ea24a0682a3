from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AventuriaConfig(AppConfig):
    name = "aventuria"
    default = True


class AventuriaAdminConfig(admin_apps.AdminConfig):
    """The admin with our site class: Finnish titles, the count of new inquiries, 2FA."""

    default = False
    default_site = "aventuria.admin_site.AventuriaAdminSite"
