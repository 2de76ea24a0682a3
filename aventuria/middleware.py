import logging

from django.db import DatabaseError, IntegrityError

from .views import service_unavailable

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
