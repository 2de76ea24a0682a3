"""Cached reads of the content.

Every gunicorn worker (and every server, with CACHE_URL) shares one cache. Saving any content
record gives the content a new version, so each worker's next request renders afresh: there is
no stale copy to expire.
"""

import uuid

from django.core.cache import cache
from django.db import DatabaseError

from .models import Practice, PrivacyNotice

VERSION_KEY = "content:version"
PRACTICE_KEY = "content:practice"


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_content_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    cache.delete(PRACTICE_KEY)


def cached_practice() -> Practice | None:
    """The practice's details, from the cache, else from the database.

    Error pages call this too, so a database that does not answer gives None, never an error.
    The cached copy has no expiry: it is what the error pages show while the database is down.
    """
    practice = cache.get(PRACTICE_KEY)
    if practice is None:
        try:
            practice = Practice.objects.filter(pk=1).first()
        except DatabaseError:
            return None
        if practice is not None:
            cache.set(PRACTICE_KEY, practice, timeout=None)
    return practice


def cached_privacy_notice() -> PrivacyNotice | None:
    """The privacy notice in force, which every inquiry records. A new version is a content
    change, so the key names the content version."""
    key = f"content:privacy-notice:{content_version()}"
    notice = cache.get(key)
    if notice is None:
        notice = PrivacyNotice.objects.current()
        if notice is not None:
            cache.set(key, notice, timeout=None)
    return notice


def cached_page_key(name: str, language: str) -> str:
    return f"page:{name}:{language}:{content_version()}"
