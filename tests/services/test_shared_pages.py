"""Content pages are kept as finished responses in the shared cache and answered from those
copies before Django handles the request (aventuria.shared_pages), but only where Django itself
would have rendered the same response for that address."""

import threading

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation

from aventuria.shared_pages import SharedPages
from services.models import Page, Service
from services.views import ContentView
from tests.wsgi import get

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders():
    """The templates rendered: a page answered from its copy renders none."""
    seen = []

    def count(sender, template, **kwargs):
        seen.append(template.name)

    template_rendered.connect(count)
    yield seen
    template_rendered.disconnect(count)


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
    renders, django_assert_num_queries
):
    for path in content_pages():
        first = get(path)
        renders.clear()
        with django_assert_num_queries(0):
            second = get(path)
        assert renders == [], path  # Nothing rendered: the copy.
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

    monkeypatch.setattr(ContentView, "get", fail)
    assert get("/en/") == first


def test_saved_content_shows_once_committed_in_both_languages(django_capture_on_commit_callbacks):
    get("/")
    get("/en/")
    service = Service.objects.get(is_main=True)
    service.headline_fi = "Uusi otsikko tänään"
    service.headline_en = "A new headline today"
    with django_capture_on_commit_callbacks(execute=True):
        service.save()
    assert "Uusi otsikko tänään" in get("/")[2].decode()
    assert "A new headline today" in get("/en/")[2].decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_visitor_who_comes_while_a_change_commits_does_not_keep_the_old_page(site_content):
    """The old code gave the content its new version at the save, before the commit: a visitor
    in between rendered the old text under the new version, for good."""
    get("/")
    service = Service.objects.get(is_main=True)
    service.headline_fi = "Otsikko, joka tallentui"
    seen = []

    def visitor():  # Another gunicorn worker: its own connection, sees only what is committed.
        try:
            seen.append(get("/")[2].decode())
        finally:
            connection.close()

    with transaction.atomic():
        service.save()
        thread = threading.Thread(target=visitor)
        thread.start()
        thread.join()
    assert "Otsikko, joka tallentui" not in seen[0]
    assert "Otsikko, joka tallentui" in get("/")[2].decode()


def test_a_copy_never_differs_from_a_plain_request_to_its_address(
    django_capture_on_commit_callbacks,
):
    """gunicorn takes SCRIPT_NAME from a header sent from a trusted address: a request with a
    prefix of its own is rendered with it, and must not leave its links to anyone else."""
    plain = {path: get(path)[2] for path in ("/en/accessibility/", "/", "/yhteydenotto/")}
    page = Page.objects.get(key=Page.Key.ACCESSIBILITY)
    with django_capture_on_commit_callbacks(execute=True):
        page.save()  # A fresh content version: nothing kept yet.
    for prefix in ("/evil", "//evil.example"):
        for path in plain:
            status, _headers, body = get(path, script_name=prefix)
            assert status == 200
            assert f'href="{prefix}/' in body.decode()
    for path, body in plain.items():
        again = get(path)[2].decode()
        assert "evil" not in again, path
        if path != "/yhteydenotto/":  # The form's tokens differ for every visitor.
            assert again == body.decode(), path


def test_a_request_with_a_query_string_is_rendered_by_django(renders):
    get("/")
    renders.clear()
    assert get("/?utm_source=esite")[0] == 200
    assert renders != []


def test_the_inquiry_form_is_never_shared(renders):
    path = reverse("bookings:inquiry")
    first, second = get(path), get(path)
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


def test_without_https_required_plain_http_gets_its_own_copy_without_hsts(settings, renders):
    settings.SECURE_SSL_REDIRECT = False
    # Django's middleware reads the setting when it is loaded: a site started without it.
    app = SharedPages(WSGIHandler())
    assert "Strict-Transport-Security" in dict(get("/", app=app)[1])
    renders.clear()
    first = get("/", scheme="http", app=app)
    assert renders != []  # Not the HTTPS copy.
    renders.clear()
    second = get("/", scheme="http", app=app)
    assert renders == []
    assert "Strict-Transport-Security" not in dict(first[1])
    assert dict(second[1]) == dict(first[1])


def test_a_signed_in_user_always_goes_through_django(settings, renders):
    get("/")
    cookie = f"{settings.SESSION_COOKIE_NAME}=anything"
    renders.clear()
    assert get("/", cookie=cookie)[0] == 200
    assert renders != []


def test_only_get_is_answered_from_a_copy(renders):
    get("/")
    renders.clear()
    assert get("/", method="HEAD")[0] == 200
    assert renders != []
    assert get("/", method="POST")[0] == 403  # CSRF, as before any copy existed.


@pytest.mark.parametrize("path", ["/sivu\xe2\x80\xa8/", "/en/\xc3\xa4\x00/"])
def test_a_path_django_cannot_encode_again_gets_the_404_page(path):
    """As gunicorn passes /sivu%E2%80%A8/: WSGIRequest writes the decoded path back into the
    environ it is given, so working out the copy's key must not touch Django's own."""
    status, _headers, body = get(path)
    assert status == 404
    assert "Sivua ei löytynyt" in body.decode() or "Page not found" in body.decode()
