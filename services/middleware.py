"""Shared copies of the pages that are the same for every visitor.

SharedPagesMiddleware, first in MIDDLEWARE, keeps the finished response of a view marked with
@shared_page (body and every header: CSP, HSTS, Content-Language...) in the shared cache under
the content version, and answers the next request for the same address from it before any
other middleware runs. A copy is keyed on everything Django renders a page from: the scheme,
the host, the script prefix, the path and the content version. Requests that carry a query
string or the admin's session or messages cookie always go through Django.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import get_script_prefix
from django.utils.cache import has_vary_header

from .content import cache_get, cache_set, content_version


def shared_page(view):
    """Mark a view whose successful response is the same for every visitor, so that it is kept
    and shared. Never for a page with a form or anything of the visitor's own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.shared_page = True
        return response

    return wrapped


def page_address(request) -> str:
    """Everything a page is rendered from besides the content: its address as this request
    gives it, script prefix included (gunicorn takes SCRIPT_NAME from a trusted proxy's header)."""
    parts = [request.scheme, request.get_host(), get_script_prefix(), request.path_info]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shared_page_key(request) -> str | None:
    """The cache key of this request's shared copy; None when it must go through Django."""
    if (
        request.method != "GET"
        or request.META.get("QUERY_STRING")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    ):
        return None
    try:
        address = page_address(request)
    except DisallowedHost:
        return None  # Django answers 400.
    version = content_version()
    return None if version is None else f"shared-page:{version}:{address}"


class SharedPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = shared_page_key(request)
        if key is not None and (stored := cache_get(key)) is not None:
            body, headers = stored
            return HttpResponse(body, headers=headers)
        response = self.get_response(request)
        if (
            key is not None
            and getattr(response, "shared_page", False)
            and response.status_code == 200
            and not response.cookies
            and not has_vary_header(response, "Cookie")
        ):
            cache_set(key, (response.content, dict(response.items())))
        return response
