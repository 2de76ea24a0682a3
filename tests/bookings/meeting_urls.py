"""The site's addresses with the client's manage page (`bookings:manage`), for the tests of the
meeting emails, which link to it. The booking-flow branch adds the real page; until it is there,
this urlconf adds a stand-in that is only ever reversed, never requested."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from aventuria import urls as site_urls
from bookings import urls as bookings_urls


def not_here(request, token):
    raise Http404


if any(getattr(pattern, "name", None) == "manage" for pattern in bookings_urls.urlpatterns):
    urlpatterns = site_urls.urlpatterns
else:
    bookings_patterns = [
        *bookings_urls.urlpatterns,
        path(_("ajanvaraus/<str:token>/"), not_here, name="manage"),
    ]
    urlpatterns = [
        *site_urls.urlpatterns[:3],
        *i18n_patterns(
            path(settings.ADMIN_URL, admin.site.urls),
            path("", include((bookings_patterns, "bookings"))),
            path("", include("services.urls")),
            prefix_default_language=False,
        ),
    ]
