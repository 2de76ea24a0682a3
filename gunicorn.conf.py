"""gunicorn settings, read by the image's command (`gunicorn aventuria.wsgi`) and the smoke test.

gunicorn loads ./gunicorn.conf.py by itself, so the Dockerfile's CMD stays one plain command.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
# A worker's heartbeat file in memory: a container's disk can stall under load.
worker_tmp_dir = "/dev/shm"  # noqa: S108

# One line per request on stdout, without the visitor's address or the query string (a search in
# the admin may hold a name): method, path, status, bytes, milliseconds.
accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"
# Control characters in a logged value are escaped: a path must not be able to forge a line.
logger_class = "aventuria.access_log.AccessLogger"
