import logging
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.signals import setting_changed
from django.db import DatabaseError, IntegrityError
from django.dispatch import receiver
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict

from .views import bad_request, service_unavailable

logger = logging.getLogger(__name__)


@cache
def settings_policy(report_only: bool) -> str:
    """The header django-csp builds from the settings alone (no nonce, nothing per response)."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        settings_policy.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the settings' policy built once per process.

    django-csp builds the policy from the settings for every response, twice (the policy and
    the report-only one): 0.08 ms of the booking page's 1.27. The site's policy is the same for
    every response, so its text is kept; a request that used a nonce or a response a view gave a
    policy of its own (csp_update, csp_replace, a csp config) goes through django-csp's code.
    What follows is django-csp 4.0's process_response with the kept text."""

    PER_RESPONSE = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
    )

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in self.PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # Django's debug pages have inline styles.
        for header, report_only, exempt, setting in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = settings_policy(report_only)
            prefixes = tuple(
                (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            )
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class DatabaseUnavailableMiddleware:
    """Turn a database that does not answer into a clear 503 page with other ways to reach us.

    Integrity errors are bugs or races that the code handles itself, so they are not masked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError) and not isinstance(exception, IntegrityError):
            logger.error("Database unavailable: %s", type(exception).__name__)
            return service_unavailable(request)
        return None


class UnreadableBodyMiddleware:
    """Answer a request body Django cannot read (a charset other than UTF-8, a broken multipart
    body, too many fields) with the site's own 400 page, in the visitor's language.

    Left to itself the body fails wherever it is first read, the CSRF check included, and then
    again in every error handler (they check the CSRF token too): gunicorn's bare 500.
    So it is read here, once, before anything else needs it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            try:
                request.POST  # noqa: B018 (reading it is the point)
            except (BadRequest, SuspiciousOperation, MultiPartParserError, UnicodeDecodeError):
                logger.warning("Unreadable request body on %s", request.path)
                # What the error page and the middleware after it read instead: nothing.
                request._post, request._files = QueryDict(), MultiValueDict()
                return bad_request(request)
        return self.get_response(request)
