from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from .content import content_version

SHARED_PAGE_KEY = "shared-page:{path}:{version}"


class SharedContentMiddleware:
    """Serve the content pages, which are the same for every visitor, before the rest of the stack.

    The first GET of a content page goes through every middleware; its finished response (body and
    the headers the inner middleware added: CSP, Content-Language, X-Frame-Options...) is kept in
    the shared cache under the content version, so saving content invalidates it in every worker.
    Later GETs get a copy without sessions, CSRF, auth, URL resolving or the CSP header being built
    again. Middleware before this one (SecurityMiddleware) still runs on every response.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Copies already read from the shared cache. A key names a content version, so a copy
        # never goes stale; only the version itself is read from the shared cache each time.
        self.copies = {}

    def __call__(self, request):
        # A signed-in user goes through the whole stack (their session may need refreshing).
        fast = request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES
        if fast:
            # Keep Django's Host check (ALLOWED_HOSTS), which later middleware would have done.
            request.get_host()
            key = SHARED_PAGE_KEY.format(path=request.path_info, version=content_version())
            stored = self.copies.get(key)
            if stored is None:
                stored = cache.get(key)
                if stored is not None:
                    self.remember(key, stored)
            if stored is not None:
                body, headers = stored
                return HttpResponse(body, headers=headers)
        response = self.get_response(request)
        if (
            fast
            and getattr(response, "shared_content", False)
            and response.status_code == 200
            and not response.cookies
        ):
            stored = (response.content, dict(response.headers))
            cache.set(key, stored, timeout=None)
            self.remember(key, stored)
        return response

    def remember(self, key, stored):
        if len(self.copies) >= 100:  # Old versions' copies: a handful of pages times languages.
            self.copies.clear()
        self.copies[key] = stored
