"""The public pages, in every language, for the site-wide checks (axe, vnu, Lighthouse, weight)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

PAGE_VIEWS = {
    "home": "services:home",
    "inquiry": "bookings:inquiry",
    "booking": "bookings:booking",
    "thanks": "bookings:thanks",
    "privacy": "services:privacy",
    "accessibility": "services:accessibility",
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def page_url(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(PAGE_VIEWS[name])


def not_found_url(language: str) -> str:
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return f"{prefix}/ei-ole-tallaista-sivua/"


def public_pages() -> list[tuple[str, str]]:
    """(label, path) of every page a visitor can open with GET, the 404 page included."""
    pages = []
    for language in LANGUAGES:
        pages += [(f"{name}-{language}", page_url(name, language)) for name in PAGE_VIEWS]
        pages.append((f"404-{language}", not_found_url(language)))
    return pages
