"""Servers and their cache, as docs/caching.md runs them: gunicorn twice with the Dockerfile's
command on one PostgreSQL database and one Redis (CACHE_URL). What Henna saves through one server
shows on the other's pages at once, no request can leave a copy that differs from the plain page,
and a server whose cache does not answer still serves every page and takes inquiries."""

import re

import psycopg
import pytest

from tests.conftest import TEST_REDIS_URL
from tests.servers import (
    FormFields,
    Visitor,
    free_port,
    gunicorn,
    manage,
    scratch_database,
    site_env,
)

pytestmark = pytest.mark.postgres

PASSWORD = "kaksi-palvelinta-ja-yksi-redis"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with scratch_database("two_servers") as database_url:
        envs = [
            site_env(
                database_url,
                tmp_path_factory.mktemp("cache"),  # Unused: CACHE_URL wins.
                CACHE_URL=TEST_REDIS_URL,
                DJANGO_ADMIN_2FA="0",  # The two-factor login has tests of its own.
            )
            for _ in range(2)
        ]
        manage(envs[0], "migrate", "--no-input", "-v", "0")  # Gives the content a new version.
        manage(
            {**envs[0], "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            *("createsuperuser", "--no-input", "--username", "henna", "--email", "h@example.fi"),
        )
        logs = tmp_path_factory.mktemp("gunicorn")
        with (
            gunicorn(envs[0], logs / "first.log") as (first, _),
            gunicorn(envs[1], logs / "second.log") as (second, _),
        ):
            yield first, second


def logged_in(base: str) -> Visitor:
    henna = Visitor(base)
    _status, _headers, page = henna.request("/admin/login/")
    fields = FormFields(page).fields | {"username": "henna", "password": PASSWORD}
    status, _headers, _ = henna.request("/admin/login/", data=fields)
    assert status == 302, "login failed"
    return henna


@pytest.mark.redis
def test_a_change_saved_through_one_server_shows_on_the_other_at_once(servers):
    first, second = servers
    visitor = Visitor(second)
    for _ in range(2):  # Rendered, then the shared copy.
        status, _headers, page = visitor.request("/")
        assert status == 200
        assert "henna@aventuria.fi" in page

    henna = logged_in(first)
    _status, _headers, form = henna.request("/admin/services/practice/1/change/")
    fields = FormFields(form).fields
    assert fields["email"] == "henna@aventuria.fi"
    fields |= {"email": "toimisto@aventuria.fi", "phone": "040 123 4567", "_save": "Tallenna"}
    status, _headers, _ = henna.request("/admin/services/practice/1/change/", data=fields)
    assert status == 302, "the admin did not save"

    for path in ("/", "/en/", "/yhteydenotto/"):
        _status, _headers, page = visitor.request(path)
        assert 'href="mailto:toimisto@aventuria.fi"' in page, path
        assert "henna@aventuria.fi" not in page, path
        # Finnish pages write the number as Finns do; English ones for a caller from abroad.
        phone = "+358 40 123 4567" if path.startswith("/en/") else "040 123 4567"
        assert phone in page, path


@pytest.mark.redis
def test_a_script_name_header_leaves_no_copy_with_its_links(servers):
    """gunicorn takes SCRIPT_NAME from a request header sent from a trusted address (the proxy
    on 127.0.0.1); such a request is rendered with its prefix but kept apart."""
    first, second = servers
    plain = {path: Visitor(second).request(path)[2] for path in ("/en/accessibility/", "/")}
    for prefix in ("/evil", "//evil.example"):
        for path in plain:
            status, _headers, page = Visitor(first).request(
                prefix + path, headers={"SCRIPT_NAME": prefix}
            )
            assert status == 200
            assert f'href="{prefix}/' in page  # The header did take effect.
    for server in servers:
        for path, page in plain.items():
            again = Visitor(server).request(path)[2]
            assert again == page, path
            assert not re.search(r'href="/+evil', again), path


def test_with_nothing_listening_at_cache_url_every_address_answers_and_inquiries_are_stored(
    tmp_path,
):
    with scratch_database("no_cache") as database_url:
        env = site_env(
            database_url,
            tmp_path / "cache",
            CACHE_URL=f"redis://127.0.0.1:{free_port()}/0",
            DJANGO_INQUIRY_MIN_FILL_SECONDS="0",
        )
        manage(env, "migrate", "--no-input", "-v", "0")
        with gunicorn(env, tmp_path / "gunicorn.log") as (base, log):
            visitor = Visitor(base)
            assert visitor.request("/healthz", https=False)[0] == 200
            for path, text in (("/", "Työnohjaus"), ("/en/", "Work supervision")):
                for _ in range(2):
                    status, _headers, page = visitor.request(path)
                    assert status == 200, path
                    assert text in page, path
            status, _headers, form = visitor.request("/yhteydenotto/")
            assert status == 200
            fields = FormFields(form).fields | {
                "kind": "individual",
                "name": "Testi Asiakas",
                "email": "ilman-valimuistia@example.fi",
                "consent": "on",
            }
            status, headers, _ = visitor.request("/yhteydenotto/", data=fields)
            assert (status, headers["Location"]) == (302, "/yhteydenotto/kiitos/")
            assert visitor.request("/yhteydenotto/kiitos/")[0] == 200
            log.seek(0)
            lines = log.read().count("Cache unavailable")
        with psycopg.connect(database_url) as connection:
            stored = connection.execute(
                "SELECT count(*) FROM bookings_inquiry WHERE email = %s",
                ["ilman-valimuistia@example.fi"],
            ).fetchone()[0]
    assert stored == 1
    assert 1 <= lines <= 2  # At most one a minute in each of the two workers.
