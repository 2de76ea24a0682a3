"""sitemap.xml: every public page in each language, with hreflang alternates.

Addresses use DJANGO_SITE_URL, like the canonical links, so that search engines see one host.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Page, PrivacyNotice, Service


class SiteSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ServiceSitemap(SiteSitemap):
    priority = 1.0

    def items(self):
        return Service.objects.published().order_by("-is_main", "pk")

    def lastmod(self, service):
        return service.updated_at


class PageSitemap(SiteSitemap):
    """The inquiry and booking forms, privacy notice and accessibility statement.

    The thank-you page is left out: it only makes sense after sending the form; so are each
    booking's own pages (confirmation, manage), which are private.
    """

    priority = 0.5

    def items(self):
        return [
            "bookings:inquiry",
            "bookings:booking",
            "services:privacy",
            "services:accessibility",
        ]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        if name == "bookings:booking":
            return None  # its times change all the time; its text with a release
        if name == "services:privacy":
            notice = PrivacyNotice.objects.current()
            return notice.published_at if notice else None
        key = Page.Key.INQUIRY if name == "bookings:inquiry" else Page.Key.ACCESSIBILITY
        return Page.objects.filter(key=key).values_list("updated_at", flat=True).first()


SITEMAPS = {"services": ServiceSitemap, "pages": PageSitemap}
