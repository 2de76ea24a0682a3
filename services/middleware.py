"""Shared copies of the pages that are the same for every visitor.

SharedPagesMiddleware, first in MIDDLEWARE, keeps the finished response of a view marked with
@shared_page (body and every header: CSP, HSTS, Content-Language...) under the content version
and answers the next request for the same address from it, before any other middleware runs.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import get_script_prefix
from django.utils.cache import has_vary_header

from .content import TIMEOUT, content_version, try_cache


def shared_page(view):
    """Share the successful responses of a view that is the same for every visitor: never a
    page with a form or anything of the visitor's own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.shared_page = True
        return response

    return wrapped


def page_address(request) -> str:
    """All that a page is rendered from besides the content: its address as this request gives
    it, script prefix included (gunicorn takes SCRIPT_NAME from a trusted proxy's header)."""
    parts = [request.scheme, request.get_host(), get_script_prefix(), request.path_info]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shared_page_key(request) -> str | None:
    """The key of this request's shared copy; None when it must go through Django: not a GET,
    a query string, the admin's cookies, a host Django refuses, or the cache does not answer."""
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
        return None
    version = content_version()
    return None if version is None else f"shared-page:{version}:{address}"


class SharedPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = shared_page_key(request)
        if key is not None and (stored := try_cache("get", key)) is not None:
            return HttpResponse(stored[0], headers=stored[1])
        response = self.get_response(request)
        if (
            key is not None
            and getattr(response, "shared_page", False)
            and response.status_code == 200
            and not response.cookies
            and not has_vary_header(response, "Cookie")
        ):
            try_cache("set", key, (response.content, dict(response.items())), TIMEOUT)
        return response
