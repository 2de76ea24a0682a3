"""The 404 and 500 pages: in the site's look, with the contact details, without the database."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.templatetags.static import static

from tests.aventuria.public_pages import not_found_url

pytestmark = pytest.mark.django_db


@contextmanager
def database_down():
    """Every query fails as it does when PostgreSQL does not answer."""
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("connection refused")
    ) as cursor:
        yield cursor


def assert_site_look_with_contact_details(body: str):
    assert f'<link rel="stylesheet" href="{static("css/site.css")}">' in body
    assert '<header class="site-header">' in body
    assert '<footer class="site-footer">' in body
    assert 'href="mailto:henna@aventuria.fi"' in body
    assert 'href="tel:+3584578354299"' in body
    assert "1926008-0" in body


@pytest.mark.parametrize(
    ("language", "heading"), [("fi", "Sivua ei löytynyt"), ("en", "Page not found")]
)
def test_404_page_in_the_sites_look_with_contact_details(client, language, heading):
    response = client.get(not_found_url(language))
    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert f"<h1>{heading}</h1>" in body
    assert_site_look_with_contact_details(body)


@pytest.mark.urls("tests.aventuria.error_urls")
def test_500_page_renders_without_the_database_with_the_cached_contact_details(client):
    client.get("/")  # Any page view caches the contact details.
    client.raise_request_exception = False
    with database_down() as cursor:
        response = client.get("/rikki/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Palvelussa on häiriö</h1>" in body
    assert_site_look_with_contact_details(body)
    assert cursor.call_count == 0


@pytest.mark.urls("tests.aventuria.error_urls")
def test_500_page_still_renders_when_nothing_is_cached_and_the_database_is_down(client):
    client.raise_request_exception = False
    with database_down():
        response = client.get("/rikki/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Palvelussa on häiriö</h1>" in body
    assert '<footer class="site-footer">' in body
