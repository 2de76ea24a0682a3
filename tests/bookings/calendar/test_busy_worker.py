"""Busy times read beside the email worker, and reads that overlap (the worker and cron) on
PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from bookings.calendar.busy import sync_busy_calendar
from bookings.models import BusyInterval, CalendarSync, Inquiry, Notification
from tests.bookings.calendar_server import (
    HENNAS_CALENDAR,
    NOW,
    calendar,
    event,
    status,
    stored,
    use,
    utc,
)
from tests.bookings.meetings import intro_type
from tests.bookings.outbox.test_worker import Worker, wait_for


def soon_calendar() -> bytes:
    tomorrow = (timezone.now() + timedelta(days=1)).strftime("%Y%m%d")
    return calendar(event("a@test", f"DTSTART:{tomorrow}T080000Z", f"DTEND:{tomorrow}T090000Z"))


@pytest.mark.django_db(transaction=True)
def test_the_email_worker_reads_the_calendar_beside_the_emails(server, settings):
    use(server.serve("/henna.ics", soon_calendar()))
    with Worker(interval=600, sqlite_poll=0.1) as worker:
        assert wait_for(lambda: BusyInterval.objects.count() == 1, seconds=10)
    assert worker.errors == []
    assert status().last_success_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_calendar_server_that_hangs_does_not_hold_up_the_emails(site_content, server, settings):
    settings.BUSY_CALENDAR_TIMEOUT = 60
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    use(server.serve("/hang.ics", hang=True))
    inquiry = Inquiry.objects.create(kind="individual", name="Aino", email="aino@example.fi")
    Notification.objects.create(inquiry=inquiry, kind=Notification.Kind.ACKNOWLEDGEMENT)
    with Worker(interval=600, sqlite_poll=0.1) as worker:
        assert wait_for(lambda: len(mail.outbox) == 1 and server.requests, seconds=10)
        # Sent while the calendar's server, asked, has not answered.
        assert status().last_attempt_at is None
        server.release.set()  # It hangs up: the read fails, and the worker can stop.
        assert wait_for(lambda: status().last_attempt_at is not None, seconds=10)
    assert worker.errors == []
    assert status().last_error.startswith("Kalenteria ei saatu haettua")
    assert len(mail.outbox) == 1


def at_once(count: int, function) -> list:
    """Run function in count threads that start together (each with its own connection)."""

    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except Exception as exc:  # Reported by the test below.
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_read_waits_for_one_in_progress_and_then_replaces_what_it_stored(server):
    """The worker and cron may read at the same moment: the second waits for the first to
    commit, then replaces its rows, so no busy time is stored twice. Here the test itself holds
    the first transaction, with a row it stored, until the read is seen waiting for it."""

    intro_type()  # Its 8-week horizon sets how far ahead the calendar is read.
    use(server.serve("/henna.ics", HENNAS_CALENDAR))
    results = []

    def read():
        try:
            results.append(sync_busy_calendar(now=NOW))
        finally:
            connection.close()

    def reads_waiting() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return cursor.fetchone()[0]

    thread = threading.Thread(target=read)
    with transaction.atomic():
        CalendarSync.objects.select_for_update().get(pk=1)
        BusyInterval.objects.create(start=utc(2027, 5, 3, 8), end=utc(2027, 5, 3, 9))
        thread.start()
        assert wait_for(lambda: reads_waiting() > 0, seconds=10)
    thread.join(timeout=10)
    assert results and results[0].ok
    assert len(stored()) == 8
    assert (utc(2027, 5, 3, 8), utc(2027, 5, 3, 9)) not in stored()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_failing_runs_at_once_send_henna_one_email(site_content, server):
    use(server.serve("/broken.ics", b"not a calendar", delay=0.3))
    CalendarSync.objects.filter(pk=1).update(failing_since=NOW - timedelta(hours=2))
    results = at_once(3, lambda: sync_busy_calendar(now=NOW))
    assert not any(result.ok for result in results)
    assert len(mail.outbox) == 1
