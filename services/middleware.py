"""Shared copies of the content pages, which are the same for every visitor.

The first GET of a content page goes through all of Django. SharedContentMiddleware, first in
MIDDLEWARE, sees the finished response with every header (HSTS, CSP, Content-Language...) and
keeps it in the shared cache under the content version, so saving content invalidates it in
every worker and on every server. Later GETs are answered by SharedPagesApp, which wraps the
WSGI application: before Django's request handling, its signals and its middleware.

Both decide with shared_page_key(), so a copy is only ever served where Django itself would
have served that response: never to a signed-in user, never over plain HTTP when HTTPS is
required (Django redirects) and never to a host outside ALLOWED_HOSTS (Django answers 400).
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest

from .content import content_version

SHARED_PAGE_KEY = "shared-page:{scheme}:{path}:{version}"
# Where SharedPagesApp leaves the key it worked out, so that the middleware need not again.
KEY_IN_ENVIRON = "aventuria.shared_page_key"


def shared_page_key(request) -> str | None:
    """The cache key of this request's shared copy; None when it must go through Django."""
    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    secure = request.is_secure()
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    try:
        request.get_host()
    except DisallowedHost:
        return None
    return SHARED_PAGE_KEY.format(
        # HSTS is only sent over HTTPS: the two schemes keep separate copies.
        scheme="https" if secure else "http",
        path=request.path_info,
        version=content_version(),
    )


class SharedContentMiddleware:
    """Keeps the finished response of a content page (a view with shared_content = True)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if KEY_IN_ENVIRON in request.META:
            key = request.META[KEY_IN_ENVIRON]
        else:  # Not through SharedPagesApp: the test client, or another server's entry point.
            key = shared_page_key(request)
        response = self.get_response(request)
        if (
            key is not None
            and getattr(response, "shared_content", False)
            and response.status_code == 200
            and not response.cookies
        ):
            cache.set(key, (response.content, list(response.items())), timeout=None)
        return response


class SharedPagesApp:
    """WSGI application: answers a GET from its shared copy, or passes it on to Django."""

    def __init__(self, application):
        self.application = application
        # Copies already read from the shared cache. A key names a content version, so a copy
        # never goes stale; only the version itself is read from the shared cache each time.
        self.copies = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            # A copy: WSGIRequest writes the decoded path back into the environ it is given,
            # and Django's own request, made from the environ next, would fail to encode it
            # again (a path with %E2%80%A8 in it was a bare 500).
            key = environ[KEY_IN_ENVIRON] = shared_page_key(WSGIRequest(dict(environ)))
            stored = None if key is None else self.copy(key)
            if stored is not None:
                body, headers = stored
                start_response("200 OK", headers)
                return [body]
        return self.application(environ, start_response)

    def copy(self, key: str):
        stored = self.copies.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                if len(self.copies) >= 100:  # Old versions: a handful of pages and languages.
                    self.copies.clear()
                self.copies[key] = stored
        return stored
