"""Security headers on every public page, with the production settings the tests run under."""

import pytest
from csp.constants import SELF
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from aventuria.middleware import CSPMiddleware
from services.models import Service

from .observatory import parse_csp, penalties

pytestmark = pytest.mark.django_db


def public_pages() -> list[tuple[str, int]]:
    service = Service.objects.published().first()
    pages = []
    for language in ("fi", "en"):
        with translation.override(language):
            pages += [
                (reverse("services:home"), 200),
                (service.get_absolute_url(), 200),
                (reverse("bookings:inquiry"), 200),
                (reverse("bookings:thanks"), 200),
                (reverse("services:privacy"), 200),
                (reverse("services:accessibility"), 200),
                (("/en" if language == "en" else "") + "/ei-ole-tallaista-sivua/", 404),
            ]
    return pages


def test_the_page_list_covers_both_languages():
    paths = [path for path, _ in public_pages()]
    assert "/" in paths and "/yhteydenotto/" in paths and "/tietosuoja/" in paths
    assert sum(path.startswith("/en/") for path in paths) == len(paths) // 2


def test_every_public_page_has_no_observatory_penalty(client):
    for path, status in public_pages():
        response = client.get(path)
        assert response.status_code == status, path
        assert penalties(response) == [], path


def test_every_public_page_sends_the_strict_headers(client):
    for path, _status in public_pages():
        response = client.get(path)
        hsts = response.headers["Strict-Transport-Security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts, path
        csp = parse_csp(response.headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"], path
        for directive in ("script-src", "style-src", "img-src", "font-src", "form-action"):
            assert csp[directive] == ["'self'"], (path, directive)
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["base-uri"] == ["'none'"], path
        assert "unsafe" not in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", path


def form_pages() -> set[str]:
    paths = set()
    for language in ("fi", "en"):
        with translation.override(language):
            paths.add(reverse("bookings:inquiry"))
    return paths


def test_the_inquiry_form_sets_only_a_locked_down_csrf_cookie(client):
    for path in form_pages():
        response = client.get(path)
        assert set(response.cookies) == {"csrftoken"}, path
        cookie = response.cookies["csrftoken"]
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_every_other_public_page_sets_no_cookie(client):
    for path, _status in public_pages():
        if path not in form_pages():
            assert not client.get(path).cookies, path


def test_a_penalty_is_found_when_a_header_is_weak(client, settings):
    # The grader itself must be able to fail.
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]}
    }
    response = Client().get("/", secure=True)
    del response.headers["X-Content-Type-Options"]
    assert penalties(response) == [
        "-20 csp-implemented-with-unsafe-inline",
        "-5 x-content-type-options-not-implemented",
    ]


def test_plain_http_is_redirected_to_https_on_the_same_host():
    response = Client().get("/tietosuoja/", HTTP_HOST="testserver")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/tietosuoja/"


def test_the_policy_built_once_is_django_csps_and_follows_the_settings(client, settings):
    # aventuria.middleware.CSPMiddleware keeps the policy's text: the same as django-csp builds,
    # and built anew when the settings change.
    assert client.get("/").headers["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"] | {"img-src": [SELF, "data:"]}
    }
    assert "img-src 'self' data:" in client.get("/").headers["Content-Security-Policy"]


def middleware_response(**attributes) -> HttpResponse:
    def view(request):
        response = HttpResponse("<p>x</p>")
        for name, value in attributes.items():
            setattr(response, name, value)
        return response

    return CSPMiddleware(view)(RequestFactory().get("/"))


def test_a_view_with_a_policy_of_its_own_or_exempt_gets_what_django_csp_gives():
    updated = middleware_response(_csp_update={"img-src": ["https://kuvat.example"]})
    assert "img-src 'self' https://kuvat.example" in updated.headers["Content-Security-Policy"]
    assert "Content-Security-Policy" not in middleware_response(_csp_exempt=True).headers
    plain = middleware_response()
    assert plain.headers["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in plain.headers
