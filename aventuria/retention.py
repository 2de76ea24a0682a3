"""Retention of the admin's own records of people: login attempts and sessions.

django-axes keeps every login attempt's address, username and browser; Django keeps a session
row until something deletes it. Both go with the daily purge (manage.py purge_inquiries)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone


@dataclass(frozen=True)
class LoginRecordsPurge:
    login_records: int
    sessions: int


def purge_login_records(*, now: datetime | None = None, dry_run: bool = False) -> LoginRecordsPurge:
    """Delete login attempts older than RETENTION_DAYS_LOGIN_ATTEMPTS and expired sessions;
    the dry run only counts them. Counts only: the output lands in cron mail and logs."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_DAYS_LOGIN_ATTEMPTS)
    old = [
        model.objects.filter(attempt_time__lt=cutoff)
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    ]
    expired = Session.objects.filter(expire_date__lt=now)
    if dry_run:
        return LoginRecordsPurge(sum(qs.count() for qs in old), expired.count())
    records = sum(qs.delete()[0] for qs in old)
    return LoginRecordsPurge(records, expired.delete()[0])
