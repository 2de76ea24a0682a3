"""Site-wide views: health check, robots.txt and the error pages.

The error pages render without the database: their contact details come from the cache.
"""

import logging

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from bookings.inquiries.services import can_store_inquiries
from services.content import cached_practice

logger = logging.getLogger(__name__)


# How soon a visitor (or a monitor) given the 503 page may try again.
RETRY_AFTER_SECONDS = 30


@never_cache
def healthz(request):
    """Ok only when an inquiry could be stored now: a database that answers a read but refuses
    writes (a read-only or emptied SQLite file, a read-only PostgreSQL) is down for visitors."""
    if not can_store_inquiries():
        response = JsonResponse({"status": "unavailable", "database": "down"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(
        f"User-agent: *\nDisallow:\n\nSitemap: {sitemap}\n", content_type="text/plain"
    )


def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the site's icon,
    at its hashed static address (not permanent: the address changes with the icon)."""
    return HttpResponseRedirect(staticfiles_storage.url("img/favicon.svg"))


def render_error(request, template_name: str, status: int) -> HttpResponse:
    """Render an error page from the cached practice details only, never the database."""
    context = {"practice": cached_practice(), "request": request, "is_error_page": True}
    html = loader.get_template(template_name).render(context)
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    return render_error(request, "400.html", 400)


def page_not_found(request, exception):
    return render_error(request, "404.html", 404)


@requires_csrf_token
def server_error(request):
    return render_error(request, "500.html", 500)


def service_unavailable(request):
    response = render_error(request, "503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request, reason=""):
    logger.warning("CSRF check failed on %s", request.path)
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "bookings:inquiry":
        # Keep what the visitor typed: show the form again, ready to be sent once more.
        from bookings.inquiries.views import InquiryView

        return InquiryView.as_view(csrf_failed=True)(request)
    if match is not None and match.view_name == "bookings:booking":
        from bookings.scheduling.views import BookingView

        return BookingView.as_view(csrf_failed=True)(request)
    return render_error(request, "403_csrf.html", 403)
