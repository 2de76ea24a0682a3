"""The cache only saves work. Unreachable or broken, every page still answers, uncached and
correct, an inquiry is still stored and thanked for, and one log line a minute says so."""

import re

import environ
import pytest

from aventuria import cache as content
from bookings.models import Inquiry
from services.models import Practice, Service
from tests.redis_server import RedisServer
from tests.servers import free_port
from tests.wsgi import get

pytestmark = pytest.mark.django_db

PAGES = {
    "/": "Työnohjaus",
    "/en/": "Work supervision",
    "/tietosuoja/": "Tietosuojaseloste",
    "/saavutettavuus/": "Saavutettavuusseloste",
    "/yhteydenotto/": "Lähetä yhteydenotto",
}


def redis_cache(url: str) -> dict:
    """CACHES for CACHE_URL=url, as the settings make it."""
    config = environ.Env.cache_url_config(url)
    return {"default": config | {"BACKEND": "aventuria.redis_cache.RedisCache"}}


class Clock:
    """Stands in for the time module inside aventuria.cache."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(content, "time", clock)
    # As a freshly started worker: nothing logged yet, no change missed.
    monkeypatch.setattr(content, "_state", {"logged_at": None, "bump_missed": False})
    return clock


def down_lines(log_output) -> int:
    return log_output.getvalue().count("Cache unavailable")


def assert_pages_answer(*, twice=True):
    """Through the WSGI application, where the shared copies are served."""
    practice = Practice.load()
    for path, text in PAGES.items():
        for _ in range(2 if twice else 1):
            status, _headers, body = get(path)
            assert status == 200, path
            assert text in body.decode(), path
            assert f'href="mailto:{practice.email}"' in body.decode(), path


def assert_an_inquiry_is_stored_and_thanked_for(client, settings, email):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    form = client.get("/yhteydenotto/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    data = {"kind": "individual", "name": "Testi Asiakas", "email": email, "consent": "on"}
    response = client.post("/yhteydenotto/", data | {"token": token})
    assert response.status_code == 302
    assert response["Location"] == "/yhteydenotto/kiitos/"
    assert Inquiry.objects.filter(email=email).exists()
    assert client.get(response["Location"]).status_code == 200


def test_with_nothing_listening_at_cache_url_the_site_works_and_logs_once_a_minute(
    client, settings, log_output, clock
):
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{free_port()}/0")
    assert_pages_answer()
    assert_an_inquiry_is_stored_and_thanked_for(client, settings, "eka@example.fi")
    assert down_lines(log_output) == 1
    clock.now += 59
    assert_pages_answer(twice=False)
    assert down_lines(log_output) == 1
    clock.now += 2
    assert_pages_answer(twice=False)
    assert down_lines(log_output) == 2


def test_with_a_cache_directory_that_cannot_be_written_the_site_works(
    client, settings, log_output, clock, tmp_path
):
    (tmp_path / "a-file").write_text("not a directory")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "a-file" / "cache"),
        }
    }
    assert_pages_answer()
    assert_an_inquiry_is_stored_and_thanked_for(client, settings, "eka@example.fi")
    assert down_lines(log_output) == 1


@pytest.mark.redis
def test_redis_stopped_and_started_again_with_its_old_data_shows_no_stale_page(
    client, settings, log_output, clock, tmp_path, django_capture_on_commit_callbacks
):
    """A change committed while Redis is down cannot give the content a new version there;
    Redis may come back with the old version and the old copies (here from its dump file)."""
    with RedisServer(tmp_path) as redis:
        settings.CACHES = redis_cache(redis.url)
        assert_pages_answer()
        assert down_lines(log_output) == 0
        redis.stop(save=True)

        assert_pages_answer()
        assert_an_inquiry_is_stored_and_thanked_for(client, settings, "eka@example.fi")
        service = Service.objects.get(is_main=True)
        service.headline_fi = "Muutettu, kun välimuisti oli poissa"
        with django_capture_on_commit_callbacks(execute=True):
            service.save()
        assert "Muutettu, kun välimuisti oli poissa" in get("/")[2].decode()
        assert down_lines(log_output) == 1

        redis.start()
        for _ in range(2):  # Rendered, then from the new copy.
            assert "Muutettu, kun välimuisti oli poissa" in get("/")[2].decode()
        assert_pages_answer()
        assert_an_inquiry_is_stored_and_thanked_for(client, settings, "toka@example.fi")
        assert redis.client().dbsize() > 1  # Caching again.
