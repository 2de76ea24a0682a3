"""The site's one cache: content, kept under the content version, shared by every process.

Every web worker, the email worker and every server (CACHE_URL) read the same cache. What is kept
here is stored under the content version, a random string that changes once a change to the
content has been committed (services.signals): a copy is never stale, only no longer asked for,
and old versions expire on their own. The cache only saves work: when it cannot be reached or
written, reads miss and writes are dropped, the site answers from the database, and one log line
a minute says so.
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError, transaction

from .models import Practice, PrivacyNotice

logger = logging.getLogger(__name__)

VERSION_KEY = "content:version"
# Copies of older versions are never read again; a day also bounds the harm of a change whose
# new version could not be stored while the cache was down.
TIMEOUT = 24 * 60 * 60
LOG_EVERY_SECONDS = 60
_cache_down = {"logged_at": None, "bump_missed": False}


def _unavailable(exc: Exception) -> None:
    now = time.monotonic()
    logged_at = _cache_down["logged_at"]
    if logged_at is None or now - logged_at >= LOG_EVERY_SECONDS:
        _cache_down["logged_at"] = now
        logger.error("Cache unavailable (%s); answering without it", type(exc).__name__)


def content_version() -> str | None:
    """The current content version; None when the cache does not answer (then use no copy)."""
    try:
        if _cache_down["bump_missed"]:  # A change committed while the cache was down.
            cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            _cache_down["bump_missed"] = False
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as exc:  # Any backend's error: the cache must never take the site down.
        _unavailable(exc)
        return None
    return version


def bump_content_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:
        _cache_down["bump_missed"] = True
        _unavailable(exc)


def content_changed() -> None:
    """Give the content a new version once the current transaction commits (at once outside
    one): a request in between must not keep the old content under the new version."""
    transaction.on_commit(bump_content_version)


def cache_get(key: str):
    try:
        return cache.get(key)
    except Exception as exc:
        _unavailable(exc)
        return None


def cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, timeout=TIMEOUT)
    except Exception as exc:
        _unavailable(exc)


def cached(name: str, compute: Callable):
    """compute()'s result, kept under the content version; computed afresh when the cache is
    down or the result is None."""
    version = content_version()
    if version is None:
        return compute()
    key = f"content:{version}:{name}"
    value = cache_get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache_set(key, value)
    return value


def _practice() -> Practice | None:
    try:
        return Practice.objects.filter(pk=1).first()
    except DatabaseError:  # The error pages show what the cache still has, or nothing.
        return None


def cached_practice() -> Practice | None:
    """The practice's details. Error pages call this too, so a database that does not answer
    gives the cached copy or None, never an error."""
    return cached("practice", _practice)


def cached_privacy_notice() -> PrivacyNotice | None:
    """The privacy notice in force, which every inquiry records."""
    return cached("privacy-notice", PrivacyNotice.objects.current)
