"""What the image runs, without Docker: the Dockerfile's CMD, production settings, PostgreSQL.

The command and the health check are read from the Dockerfile itself, so they cannot drift apart.
"""

import json
import os
import re
import subprocess
import urllib.error
import urllib.request

import environ
import psycopg
import pytest
from psycopg import sql

from tests.gunicorn_site import (
    HOST,
    ROOT,
    dockerfile_instruction,
    free_port,
    production_env,
    running_site,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def smoke_database():
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = f"{config['NAME']}_smoke_gunicorn"
    admin_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def site(smoke_database, tmp_path_factory):
    env = production_env(
        database_url=smoke_database,
        cache_dir=tmp_path_factory.mktemp("cache"),
        port=free_port(),
    )
    # The release step, then the image's command, from the repository root as in the image.
    with running_site(env, tmp_path_factory.mktemp("gunicorn") / "out.log") as site:
        yield site


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(site, path, *, https=True):
    headers = {"Host": HOST, "X-Forwarded-For": "203.0.113.9"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    request = urllib.request.Request(site.base + path, headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_healthz_answers_and_the_images_health_check_passes(site):
    status, _headers, body = fetch(site, "/healthz", https=False)
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}
    check = subprocess.run(  # noqa: S603 (our own Dockerfile's health check)
        dockerfile_instruction("HEALTHCHECK"), cwd=ROOT, env=site.env, capture_output=True
    )
    assert check.returncode == 0, check.stderr


def test_home_page_is_served_over_the_proxy_with_the_security_headers(site):
    # The second and third come from the shared copy (aventuria.shared_pages), as most do.
    for _ in range(3):
        status, headers, body = fetch(site, "/")
        assert status == 200
        assert "Työnohjaus" in body
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
    # The stylesheet the page links is served with its hashed name, cached for years
    # (whitenoise marks hashed files immutable for ten years).
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', body).group(1)
    status, headers, _ = fetch(site, stylesheet)
    assert status == 200
    max_age = int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1))
    assert max_age >= 31536000
    assert "immutable" in headers["Cache-Control"]


def test_inquiry_form_is_served_with_its_csrf_cookie(site):
    status, headers, body = fetch(site, "/yhteydenotto/")
    assert status == 200
    assert 'name="csrfmiddlewaretoken"' in body
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_plain_http_through_the_proxy_is_redirected_to_https(site):
    status, headers, _ = fetch(site, "/yhteydenotto/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/yhteydenotto/"
    # Also a page the site keeps a shared copy of.
    assert fetch(site, "/en/")[0] == 200
    status, headers, _ = fetch(site, "/en/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/en/"


def test_the_access_log_has_one_line_per_request_without_the_address(site):
    fetch(site, "/tietosuoja/?nimi=Matti")
    log = site.wait_for_log("GET /tietosuoja/")
    assert "GET /tietosuoja/ 200" in log
    assert "203.0.113.9" not in log and "127.0.0.1 -" not in log
    assert "Matti" not in log
