import logging

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import DatabaseError, IntegrityError
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict

from .views import bad_request, service_unavailable

logger = logging.getLogger(__name__)


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
