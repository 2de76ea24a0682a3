"""Without debug, a setting that has no safe default stops the start with a clear message."""

import os
import subprocess
import sys

import pytest

from tests.gunicorn_site import ROOT

PRODUCTION = {
    "DJANGO_SECRET_KEY": "settings-probe-only",
    "DJANGO_ALLOWED_HOSTS": "aventuria.fi",
    "DJANGO_SITE_URL": "https://aventuria.fi",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
    "DATABASE_URL": "sqlite://:memory:",
}


def start(**env) -> subprocess.CompletedProcess:
    """`manage.py check` with the given production environment (None leaves a variable out)."""
    environment = {"PATH": os.environ["PATH"], "DJANGO_CACHE_DIR": os.environ["DJANGO_CACHE_DIR"]}
    environment |= {k: v for k, v in {**PRODUCTION, **env}.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_with_every_required_setting_the_site_starts():
    assert start().returncode == 0


@pytest.mark.parametrize("name", ["DJANGO_SITE_URL", "EMAIL_URL", "DJANGO_SECRET_KEY"])
def test_without_a_required_setting_the_start_stops_and_names_it(name):
    result = start(**{name: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} is required when DJANGO_DEBUG is off." in result.stderr


def test_a_site_address_without_its_scheme_is_refused():
    result = start(DJANGO_SITE_URL="aventuria.fi")
    assert result.returncode != 0
    assert "DJANGO_SITE_URL must start with https://" in result.stderr


def test_with_debug_the_development_defaults_still_apply():
    result = start(DJANGO_DEBUG="1", DJANGO_SITE_URL=None, EMAIL_URL=None, DJANGO_SECRET_KEY=None)
    assert result.returncode == 0, result.stderr
