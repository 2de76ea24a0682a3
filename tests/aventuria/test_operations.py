"""What the operator relies on: the health check, the logs, static files, the proxy setting."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import OperationalError, connections
from django.test import Client
from django.urls import path

from aventuria import urls as site_urls

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers_even_over_plain_http():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed: password for user x")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    # Nothing about the database's address, user or error leaks to whoever asks.
    assert response.json() == {"status": "unavailable", "database": "down"}


def raise_error(request):
    raise RuntimeError("something broke")


# The site's own URLs (the 500 page links to them) plus one view that fails.
urlpatterns = [path("boom/", raise_error), *site_urls.urlpatterns]
handler500 = site_urls.handler500


@pytest.mark.django_db
def test_a_server_error_is_logged_on_one_line_without_what_the_visitor_sent(settings, log_output):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.post(
        "/boom/",
        {"name": "Matti Meikäläinen", "email": "matti@example.fi", "message": "Uupumus"},
        secure=True,
        HTTP_COOKIE="sessionid=secret-session-value",
    )
    assert response.status_code == 500
    output = log_output.getvalue()
    assert "Internal Server Error: /boom/" in output
    assert "RuntimeError: something broke" in output  # the traceback is kept, folded
    assert output.count("\n") == 1 and output.endswith("\n")
    for personal in ("Matti", "matti@example.fi", "Uupumus", "secret-session-value"):
        assert personal not in output


def test_the_filter_drops_the_request_from_records_our_handler_formats():
    handler = logging.getLogger("django").handlers[0]
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", None, None)
    record.request = object()
    assert handler.filter(record)
    assert record.request is None


@pytest.mark.django_db
def test_hashed_static_files_are_immutable_and_compressed(client):
    url = staticfiles_storage.url("css/site.css")
    assert url != "/static/css/site.css"  # a hashed name from the manifest
    for encoding in ("br", "gzip"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        cache_control = response.headers["Cache-Control"]
        assert "immutable" in cache_control
        assert int(cache_control.split("max-age=")[1].split(",")[0]) >= 31536000
        response.close()


PROXY_PROBE = """
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from aventuria.client_ip import client_ip

request = RequestFactory().get(
    "/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
    REMOTE_ADDR="10.0.0.2",
)
response = SecurityMiddleware(lambda r: HttpResponse("ok"))(request)
import json
print(json.dumps({"secure": request.is_secure(), "status": response.status_code,
                  "address": client_ip(request)}))
"""


def probe(**env) -> dict:
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "proxy-probe-only",
        "DJANGO_SITE_URL": "https://aventuria.example",
        "EMAIL_URL": "dummymail://",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_CACHE_DIR": os.environ["DJANGO_CACHE_DIR"],
        "DATABASE_URL": "sqlite://:memory:",
        **env,
    }
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "shell", "-c", PROXY_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_the_proxy_setting_x_forwarded_proto_and_for_are_trusted():
    assert probe(DJANGO_SECURE_PROXY="1") == {
        "secure": True,
        "status": 200,
        "address": "203.0.113.5",
    }


def test_without_the_proxy_setting_a_forged_https_header_still_gets_redirected():
    assert probe() == {"secure": False, "status": 301, "address": "10.0.0.2"}
