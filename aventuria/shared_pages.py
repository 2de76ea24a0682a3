"""Shared copies of the pages that are the same for every visitor (views marked @shared_page).

SharedPages wraps the WSGI application: it keeps such a page's finished response (status, every
header, body) with the content version it was rendered under, and answers the next request for
the same address with it while that is still the current version, before Django handles the
request. The version and the copy come in one round trip to the cache.
"""

import hashlib
from contextlib import closing
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name

from .cache import TIMEOUT, content_version_and, try_cache

SHARED = "aventuria.shared_page"  # Set in the WSGI environ (request.META) by @shared_page.


def shared_page(view):
    """For a view whose successful response is the same for every visitor: never a page with a
    form or anything of the visitor's own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.META[SHARED] = True
        return view(request, *args, **kwargs)

    return wrapped


def page_address(request) -> str:
    """What a page is rendered from besides the content: its address as this request gives it,
    script prefix included (gunicorn takes SCRIPT_NAME from a trusted proxy's header)."""
    parts = [request.scheme, request.get_host(), get_script_name(request.META), request.path_info]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def shared_page_key(environ) -> str | None:
    """None when the request must go through Django: not a GET, a query string, the admin's
    cookies or a host Django refuses."""
    if environ["REQUEST_METHOD"] != "GET" or environ.get("QUERY_STRING"):
        return None
    # A copy of the environ: WSGIRequest writes the decoded path back into it, which Django's
    # own request could not encode again (a path with %E2%80%A8 in it was a bare 500).
    request = WSGIRequest(dict(environ))
    if {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name} & request.COOKIES.keys():
        return None
    try:
        return f"shared-page:{page_address(request)}"
    except DisallowedHost:
        return None


class SharedPages:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if (key := shared_page_key(environ)) is not None:
            version, stored = content_version_and(key)
        if key is None or version is None:  # Not to be shared, or the cache does not answer.
            return self.application(environ, start_response)
        if stored is not None and stored[0] == version:
            start_response(*stored[1:3])
            return [stored[3]]
        # No copy yet, or one rendered under an older version: Django answers, the copy follows.
        started = []

        def keep(status, headers, exc_info=None):
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.application(environ, keep)
        headers = {name.lower(): value.lower() for name, value in started[1]}
        if not environ.get(SHARED) or not started[0].startswith("200 ") or "set-cookie" in headers:
            return response
        if "cookie" in headers.get("vary", ""):
            return response
        with closing(response):  # Django's request_finished.
            body = b"".join(response)
        try_cache("set", key, (version, *started, body), TIMEOUT)
        return [body]
