from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from bookings.calendar.feed import feed_view
from services.sitemaps import SITEMAPS

from . import views

# Finnish without a prefix, English under /en/; the language comes from the URL only.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # Henna's phone's calendar; the same address in every language (the token is the secret).
    path("kalenteri/<str:token>.ics", feed_view, name="calendar_feed"),
]

urlpatterns += i18n_patterns(
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("bookings.urls")),
    path("", include("services.urls")),
    prefix_default_language=False,
)

handler400 = "aventuria.views.bad_request"
handler404 = "aventuria.views.page_not_found"
handler500 = "aventuria.views.server_error"
