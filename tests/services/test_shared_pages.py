"""Content pages are kept as finished responses and served from those copies before Django
handles the request (services.middleware, aventuria.wsgi), but only where Django itself would
have served that response."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import translation

from aventuria.wsgi import application
from services.middleware import SharedPagesApp
from services.models import Service
from services.views import CachedContentView

pytestmark = pytest.mark.django_db


def get(path: str, *, scheme="https", host="testserver", cookie="", method="GET", app=application):
    """A request as gunicorn hands it to the site: (status code, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), headers

    # As Django's test client does: the test's open transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = app(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"], content


@pytest.fixture
def django_requests():
    """How many requests reached Django's request handling (the rest were served copies)."""
    seen = []

    def count(**kwargs):
        seen.append(1)

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


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


def test_a_repeated_content_page_comes_from_its_copy_with_the_same_body_and_headers(
    django_requests,
):
    for path in content_pages():
        django_requests.clear()
        first, second = get(path), get(path)
        assert len(django_requests) == 1, path  # Only the first one reached Django.
        assert first[0] == second[0] == 200, path
        assert second[2] == first[2], path
        headers = dict(second[1])
        assert headers == dict(first[1]), path
        assert "Set-Cookie" not in headers, path
        assert headers["Content-Language"] == ("en" if path.startswith("/en/") else "fi")
        assert "default-src 'none'" in headers["Content-Security-Policy"], path
        assert "max-age=31536000" in headers["Strict-Transport-Security"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert int(headers["Content-Length"]) == len(second[2]), path


def test_a_served_copy_runs_no_view(monkeypatch):
    first = get("/en/")

    def fail(*args, **kwargs):
        raise AssertionError("the view ran again")

    monkeypatch.setattr(CachedContentView, "get", fail)
    assert get("/en/") == first


def test_saved_content_shows_at_once_in_both_languages():
    get("/")
    get("/en/")
    service = Service.objects.get(is_main=True)
    service.headline_fi = "Uusi otsikko tänään"
    service.headline_en = "A new headline today"
    service.save()
    assert "Uusi otsikko tänään" in get("/")[2].decode()
    assert "A new headline today" in get("/en/")[2].decode()


def test_the_inquiry_form_is_never_shared(django_requests):
    path = reverse("bookings:inquiry")
    first, second = get(path), get(path)
    assert len(django_requests) == 2
    assert any(name == "Set-Cookie" and "csrftoken" in value for name, value in second[1])
    assert first[2] != second[2]  # Fresh form and CSRF tokens each time.


def test_a_copy_is_not_served_to_an_unknown_host():
    assert get("/")[0] == 200
    assert get("/")[0] == 200  # Now from the copy.
    assert get("/", host="attacker.example")[0] == 400


def test_plain_http_is_still_redirected_to_https_once_a_copy_exists(settings):
    assert settings.SECURE_SSL_REDIRECT
    assert get("/")[0] == 200
    status, headers, _ = get("/", scheme="http")
    assert status == 301
    assert dict(headers)["Location"] == "https://testserver/"


def test_without_https_required_plain_http_gets_its_own_copy_without_hsts(
    settings, django_requests
):
    settings.SECURE_SSL_REDIRECT = False
    # Django's middleware reads the setting when it is loaded: a site started without it.
    app = SharedPagesApp(WSGIHandler())
    get("/", app=app)  # The HTTPS copy, with HSTS.
    first, second = get("/", scheme="http", app=app), get("/", scheme="http", app=app)
    assert len(django_requests) == 2  # The HTTPS page and the first plain HTTP one.
    assert "Strict-Transport-Security" not in dict(first[1])
    assert dict(second[1]) == dict(first[1])


def test_a_signed_in_user_always_goes_through_django(settings, django_requests):
    get("/")
    cookie = f"{settings.SESSION_COOKIE_NAME}=anything"
    assert get("/", cookie=cookie)[0] == 200
    assert get("/", cookie=cookie)[0] == 200
    assert len(django_requests) == 3


def test_only_get_is_answered_from_a_copy(django_requests):
    get("/")
    assert get("/", method="HEAD")[0] == 200
    assert get("/", method="POST")[0] == 403  # CSRF, as before any copy existed.
    assert len(django_requests) == 3
