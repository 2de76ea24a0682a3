"""No cookies on content pages; the CSRF cookie only where the form is. The privacy notice says
exactly this, so these tests keep it true."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.bookings.conftest import post_inquiry

pytestmark = pytest.mark.django_db

CONTENT_PAGES = ["services:home", "services:privacy", "services:accessibility", "bookings:thanks"]


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def cookie_names(response) -> set[str]:
    return set(response.cookies)


@pytest.mark.parametrize("language", ["fi", "en"])
@pytest.mark.parametrize("name", CONTENT_PAGES)
def test_content_page_sets_no_cookie(client, name, language):
    response = client.get(url(name, language))
    assert response.status_code == 200
    assert cookie_names(response) == set()
    assert not response.has_header("Set-Cookie")


@pytest.mark.parametrize("language", ["fi", "en"])
def test_not_found_page_sets_no_cookie(client, language):
    missing = client.get(url("services:home", language) + "ei-tallaista-sivua/")
    assert missing.status_code == 404
    assert cookie_names(missing) == set()


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_form_page_sets_only_the_csrf_cookie(client, language):
    response = client.get(url("bookings:inquiry", language))
    assert cookie_names(response) == {"csrftoken"}
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"]
    assert cookie["secure"]


def test_posting_the_form_sets_no_other_cookie(client, filled_form):
    data = filled_form()
    response = post_inquiry(client, data)
    assert response.status_code == 302
    assert cookie_names(response) <= {"csrftoken"}
    thanks = client.get(response["Location"])
    assert cookie_names(thanks) == set()
    # A form sent back with errors is the form page again: still only the CSRF cookie.
    invalid = post_inquiry(client, filled_form(email="ei-osoite"))
    assert invalid.status_code == 400
    assert cookie_names(invalid) <= {"csrftoken"}
    assert "sessionid" not in client.cookies
