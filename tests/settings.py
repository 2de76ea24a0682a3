"""The production settings, with only what a test run must supply itself."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# pytest-django swaps in its in-memory backend; production requires a value all the same.
os.environ.setdefault("EMAIL_URL", "smtp://localhost:25")
os.environ.setdefault("DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="aventuria-test-cache-"))

from aventuria.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production (WAL: readers never block the writer), not SQLite's default
    # in-memory test database, whose threads share one cache that locks whole tables and
    # refuses a write at once when another thread is reading: a worker thread's write racing
    # a test's polling read failed that way on a loaded machine.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="aventuria-test-db-"), "test.sqlite3")
    }
