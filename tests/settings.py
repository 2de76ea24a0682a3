"""The production settings, with only what a test run must supply itself."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="aventuria-test-cache-"))

from aventuria.settings import *  # noqa: F403
