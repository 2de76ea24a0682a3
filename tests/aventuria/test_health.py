"""/healthz says whether an inquiry could be stored now, the 503 page says when to try again, and
the site recovers the moment the database is back."""

import json

import pytest
from django.db import connection
from django.test import Client

from aventuria.views import service_unavailable
from tests.bookings.conftest import inquiry_data
from tests.gunicorn_site import sqlite_site


@pytest.fixture
def site(tmp_path):
    with sqlite_site(tmp_path, DJANGO_INQUIRY_MIN_FILL_SECONDS="0") as site:
        yield site


def health(site):
    status, headers, body = site.request("GET", "/healthz", https=False)
    return status, headers.get("Retry-After"), json.loads(body)


def submit(site, number):
    form = site.fresh_form()
    data = inquiry_data("", name=f"Lähettäjä {number}")
    del data["token"]
    status, headers, body = site.post_form(form, data, address=f"198.51.100.{number}")
    return status, headers.get("Retry-After"), body


def test_an_emptied_database_file_is_down_and_the_site_recovers_at_once(site, tmp_path):
    database = tmp_path / "db.sqlite3"
    assert health(site) == (200, None, {"status": "ok", "database": "ok"})
    assert submit(site, 1)[0] == 302
    # The file replaced by an empty one (its write-ahead log put aside with it).
    kept = {path: path.with_name(path.name + ".kept") for path in tmp_path.glob("db.sqlite3*")}
    for path, aside in kept.items():
        path.rename(aside)
    database.touch()

    assert health(site) == (503, "30", {"status": "unavailable", "database": "down"})
    status, retry_after, body = submit(site, 2)
    assert (status, retry_after) == (503, "30")
    assert "Palvelu on tilapäisesti poissa käytöstä" in body

    database.unlink()
    for path, aside in kept.items():
        aside.rename(path)
    # Back at once: no request still holds on to the empty file.
    assert health(site)[0] == 200
    assert [submit(site, n)[0] for n in range(3, 7)] == [302] * 4


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_database_that_answers_but_refuses_writes_is_down():
    assert Client().get("/healthz").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SET transaction_read_only = on")
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"status": "unavailable", "database": "down"}


@pytest.mark.django_db
def test_the_503_page_says_when_to_try_again(rf):
    response = service_unavailable(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
