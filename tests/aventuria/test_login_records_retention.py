"""django-axes' login records and expired sessions are personal data too: the daily purge
deletes them, and the privacy notice says how long they are kept."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from aventuria.cache import bump_content_version

pytestmark = pytest.mark.django_db


def login_records(age: timedelta, address: str):
    when = timezone.now() - age
    fields = {"ip_address": address, "username": "henna", "user_agent": "Firefox"}
    attempt = AccessAttempt.objects.create(
        **fields, failures_since_start=3, get_data="", post_data=""
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
    log = AccessLog.objects.create(**fields)
    AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
    failure = AccessFailureLog.objects.create(**fields)
    AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)


def session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.set_expiry(timezone.now() + expires_in)
    store.save()
    return store.session_key


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_inquiries", *args, stdout=out)
    return out.getvalue()


def test_the_daily_purge_deletes_old_login_records_and_expired_sessions(settings):
    settings.RETENTION_DAYS_LOGIN_ATTEMPTS = 30
    login_records(timedelta(days=31), "203.0.113.7")
    login_records(timedelta(days=29), "203.0.113.8")
    expired, current = session(timedelta(days=-1)), session(timedelta(days=1))

    assert "3 login records and 1 expired sessions would be deleted." in purge("--dry-run")
    assert AccessAttempt.objects.count() == 2 and Session.objects.count() == 2

    assert "3 login records and 1 expired sessions deleted." in purge()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert model.objects.count() == 1
        assert model.objects.get().attempt_time > timezone.now() - timedelta(days=30)
    assert list(Session.objects.values_list("session_key", flat=True)) == [current]
    assert expired != current


def test_the_privacy_notice_says_how_long_login_records_are_kept(client, settings):
    settings.RETENTION_DAYS_LOGIN_ATTEMPTS = 14
    bump_content_version()
    page = client.get("/tietosuoja/").content.decode()
    assert "Ylläpidon kirjautumisyritysten tiedot" in page
    assert "poistetaan 14 päivän kuluttua ja ylläpidon istunnot, kun ne vanhenevat" in page
    with translation.override("en"):
        english = client.get(reverse("services:privacy")).content.decode()
    assert "admin login attempts (username, IP address and browser) are deleted after 14 days" in (
        english
    )
