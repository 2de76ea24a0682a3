"""gunicorn's access log (gunicorn.conf.py), with nothing in a line that a requester can forge."""

from gunicorn.glogging import Logger

from .logging import escape_controls, redact_tokens


class AccessLogger(Logger):
    """gunicorn logs the path decoded: /x%0D%0AGET%20/fake would write a second, made-up line,
    and %00 a NUL byte. Every value of the line has its control characters escaped, and its
    secret path segments (a manage link's or the calendar feed's token) redacted, in the path,
    the request line and the referrer alike."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_controls(redact_tokens(value)) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
