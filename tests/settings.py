"""The production settings, with only what a test run must supply itself."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# pytest-django swaps in its in-memory backend; production requires a value all the same.
os.environ.setdefault("EMAIL_URL", "smtp://localhost:25")
os.environ.setdefault("DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="aventuria-test-cache-"))

from aventuria.settings import *  # noqa: F403
