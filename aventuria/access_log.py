"""gunicorn's access log (gunicorn.conf.py), with nothing in a line that a requester can forge."""

from gunicorn.glogging import Logger

from .logging import escape_controls


class AccessLogger(Logger):
    """gunicorn logs the path decoded: /x%0D%0AGET%20/fake would write a second, made-up line,
    and %00 a NUL byte. Every value of the line has its control characters escaped."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: escape_controls(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
