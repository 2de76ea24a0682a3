"""Shared copies of the pages that are the same for every visitor.

SharedPages wraps the WSGI application (aventuria.wsgi). It keeps the finished response of a
view marked with @shared_page (status, every header: CSP, HSTS, Content-Language... and body)
under the content version, and answers the next request for the same address from it before
Django handles the request at all.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name

from .content import TIMEOUT, content_version, try_cache

# Set in the WSGI environ (request.META) by a view whose response may be shared.
SHARED = "aventuria.shared_page"


def shared_page(view):
    """Share the successful responses of a view that is the same for every visitor: never a
    page with a form or anything of the visitor's own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.META[SHARED] = True
        return view(request, *args, **kwargs)

    return wrapped


def page_address(request) -> str:
    """All that a page is rendered from besides the content: its address as this request gives
    it, script prefix included (gunicorn takes SCRIPT_NAME from a trusted proxy's header)."""
    parts = [request.scheme, request.get_host(), get_script_name(request.META), request.path_info]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shared_page_key(environ) -> str | None:
    """The key of this request's shared copy; None when it must go through Django: not a GET,
    a query string, the admin's cookies, a host Django refuses, or the cache does not answer."""
    if environ["REQUEST_METHOD"] != "GET" or environ.get("QUERY_STRING"):
        return None
    request = WSGIRequest(environ)
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    ):
        return None
    try:
        address = page_address(request)
    except DisallowedHost:
        return None
    version = content_version()
    return None if version is None else f"shared-page:{version}:{address}"


def shareable(status: str, headers: list) -> bool:
    names = {name.lower(): value for name, value in headers}
    return (
        status.startswith("200 ")
        and "set-cookie" not in names
        and "cookie" not in names.get("vary", "").lower()
    )


class SharedPages:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        key = shared_page_key(environ)
        if key is None:
            return self.application(environ, start_response)
        if (stored := try_cache("get", key)) is not None:
            status, headers, body = stored
            start_response(status, headers)
            return [body]
        started = []

        def keep(status, headers, exc_info=None):
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.application(environ, keep)
        if not (environ.get(SHARED) and shareable(*started)):
            return response
        try:
            body = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()  # Django's request_finished.
        try_cache("set", key, (*started, body), TIMEOUT)
        return [body]
