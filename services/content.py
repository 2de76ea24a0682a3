"""The content every page reads, through the site's one cache (aventuria.cache)."""

from django.db import DatabaseError

from aventuria.cache import cached

from .models import Practice, PrivacyNotice


def cached_practice() -> Practice | None:
    """The practice's details. Error pages call this too, so a database that does not answer
    gives the cached copy or None, never an error. Emails read Practice.load() instead: an
    address Henna has just saved is the one they use."""

    def load():
        try:
            return Practice.objects.filter(pk=1).first()
        except DatabaseError:
            return None

    return cached("practice", load)


def cached_privacy_notice() -> PrivacyNotice | None:
    """The privacy notice in force, which every inquiry records."""
    return cached("privacy-notice", PrivacyNotice.objects.current)
