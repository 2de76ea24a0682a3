"""The production settings, with only what a test run must supply itself."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# pytest-django swaps in its in-memory backend; production requires a value all the same.
os.environ.setdefault("EMAIL_URL", "smtp://localhost:25")
os.environ.setdefault("DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="aventuria-test-cache-"))

# pytest-xdist: each worker (gw0, gw1, ...) clears its cache before and after every test, so it
# gets a cache of its own: a directory under the run's one, or the next Redis database down
# (CACHE_URL and TEST_REDIS_URL alike, so that they stay the same database where they were).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER:
    number = int(WORKER.removeprefix("gw"))
    os.environ["DJANGO_CACHE_DIR"] = os.path.join(os.environ["DJANGO_CACHE_DIR"], WORKER)
    for name in ("CACHE_URL", "TEST_REDIS_URL"):
        url = os.environ.get(name, "redis://127.0.0.1:6379/15" if name == "TEST_REDIS_URL" else "")
        if url.startswith("redis://"):
            address, _slash, database = url.rpartition("/")
            os.environ[name] = f"{address}/{(int(database or 0) - number) % 16}"

from aventuria.settings import *  # noqa: E402, F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production (WAL: readers never block the writer), not SQLite's default
    # in-memory test database, whose threads share one cache that locks whole tables and
    # refuses a write at once when another thread is reading: a worker thread's write racing
    # a test's polling read failed that way on a loaded machine.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="aventuria-test-db-"), "test.sqlite3")
    }

# The production hasher takes a quarter of a second per password here, and admin_user hashes one
# in some hundred tests; what they test is the admin, not the hasher (cookiecutter-django does
# the same). The site itself keeps Django's default hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
