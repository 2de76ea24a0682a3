"""The site's one cache, shared by every process that reads content (CACHE_URL).

All of it is kept under the content version, which changes once a change to the content is
committed (services.signals, bookings.scheduling.signals): a copy is never stale, only no longer
asked for. The cache only saves work: when it fails, reads miss, writes are dropped and one log
line a minute says so.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "content:version"
TIMEOUT = 24 * 60 * 60  # Copies under older versions are never read again.
_state = {"logged_at": None, "bump_missed": False}
_bypassed: ContextVar[bool] = ContextVar("cache_bypassed", default=False)


@contextmanager
def bypassed() -> Iterator[None]:
    """cached() computes afresh and keeps nothing: a preview renders content that is not
    published, which must neither read the published copies nor leave its own behind."""
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)


def try_cache(method: str, *args, failed=None, **kwargs):
    """cache.<method>(*args, **kwargs), or `failed` when the cache does not work."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception as exc:  # Whatever the backend raises: the cache never takes the site down.
        now = time.monotonic()
        if _state["logged_at"] is None or now - _state["logged_at"] >= 60:
            _state["logged_at"] = now
            logger.error("Cache unavailable (%s); answering without it", type(exc).__name__)
        return failed


def content_version() -> str | None:
    """The current content version; None when the cache does not answer."""
    if _state["bump_missed"]:  # The cache may be back with the version from before a change.
        bump_content_version()
    return try_cache("get_or_set", VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def content_version_and(key: str) -> tuple:
    """The content version and what is kept under `key`, in one round trip to the cache."""
    values = {} if _state["bump_missed"] else try_cache("get_many", [VERSION_KEY, key], failed={})
    return values.get(VERSION_KEY) or content_version(), values.get(key)


def bump_content_version() -> None:
    _state["bump_missed"] = bool(try_cache("set", VERSION_KEY, uuid.uuid4().hex, None, failed=True))


def content_changed() -> None:
    """Give the content a new version once the current transaction commits (at once outside
    one): a request in between must not keep the old content under the new version."""
    transaction.on_commit(bump_content_version)


def cached(name: str, compute: Callable):
    """compute()'s result, kept under the content version; computed afresh when the cache does
    not work or the result is None."""
    if _bypassed.get():
        return compute()
    version = content_version()
    key = f"content:{version}:{name}"
    value = None if version is None else try_cache("get", key)
    if value is None:
        value = compute()
        if version is not None and value is not None:
            try_cache("set", key, value, TIMEOUT)
    return value


def cached_in_one_trip(name: str, compute: Callable):
    """compute()'s result like cached(), in one round trip to the cache instead of two: kept
    under a fixed key with the version it was computed under, and read with the current version
    (content_version_and). For a page that must ask the cache once per request."""
    if _bypassed.get():
        return compute()
    key = f"content-with-version:{name}"
    version, stored = content_version_and(key)
    if version is not None and stored is not None and stored[0] == version:
        return stored[1]
    value = compute()
    if version is not None and value is not None:
        try_cache("set", key, (version, value), TIMEOUT)
    return value
