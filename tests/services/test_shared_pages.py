"""Content pages are served from a shared copy of the finished response (services.middleware)."""

import pytest
from django.urls import reverse
from django.utils import translation

from services.models import Service
from services.views import CachedContentView

pytestmark = pytest.mark.django_db


def content_pages() -> list[str]:
    service = Service.objects.published().filter(is_main=False).first()
    pages = []
    for language in ("fi", "en"):
        with translation.override(language):
            pages += [
                reverse("services:home"),
                reverse("services:privacy"),
                reverse("services:accessibility"),
            ]
            if service is not None:
                pages.append(service.get_absolute_url())
    return pages


def test_a_repeated_content_page_has_the_same_body_and_headers(client):
    for path in content_pages():
        first = client.get(path)
        second = client.get(path)
        assert first.status_code == second.status_code == 200, path
        assert second.content == first.content, path
        assert dict(second.headers) == dict(first.headers), path
        assert not second.cookies, path
        assert second.headers["Content-Language"] == ("en" if path.startswith("/en/") else "fi")
        assert "default-src 'none'" in second.headers["Content-Security-Policy"], path
        assert "max-age=31536000" in second.headers["Strict-Transport-Security"], path
        assert second.headers["X-Frame-Options"] == "DENY", path


def test_a_repeated_content_page_does_not_run_the_view_again(client, monkeypatch):
    first = client.get("/en/")

    def fail(*args, **kwargs):
        raise AssertionError("the view ran again")

    monkeypatch.setattr(CachedContentView, "get", fail)
    assert client.get("/en/").content == first.content


def test_saved_content_shows_at_once_in_both_languages(client):
    client.get("/")
    client.get("/en/")
    service = Service.objects.get(is_main=True)
    service.headline_fi = "Uusi otsikko tänään"
    service.headline_en = "A new headline today"
    service.save()
    assert "Uusi otsikko tänään" in client.get("/").content.decode()
    assert "A new headline today" in client.get("/en/").content.decode()


def test_the_inquiry_form_is_never_shared(client):
    path = reverse("bookings:inquiry")
    first = client.get(path)
    second = client.get(path)
    assert "csrftoken" in second.cookies
    assert first.content != second.content  # Fresh form and CSRF tokens each time.


def test_a_shared_copy_is_not_served_to_an_unknown_host(client):
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # Now from the shared copy.
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
