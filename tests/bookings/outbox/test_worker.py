"""Nothing the site thanked for is lost: with the mail server down the inquiry stays and its
emails wait; `manage.py send_notifications` sends each of them exactly once.

With DJANGO_EMAIL_WORKER=1 (compose's setting) a submission only stores the inquiry and its
pending emails; `manage.py send_notifications --watch` sends them, woken by PostgreSQL the
moment the inquiry commits, and keeps going when the mail server or the database is away."""

import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from bookings.management.commands.send_notifications import Command as SendNotifications
from bookings.management.commands.send_notifications import run_worker
from bookings.models import Inquiry, Notification
from bookings.outbox import worker as outbox_worker
from tests.bookings import mail_backends
from tests.bookings.conftest import THANKS_URL, post_inquiry
from tests.servers import ROOT, FormFields, free_port

DOWN = "tests.bookings.mail_backends.DownBackend"
MEETING = "tests.bookings.mail_backends.MeetingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def send_notifications() -> str:
    out = StringIO()
    call_command("send_notifications", stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_mail_server_down_keeps_the_inquiry_and_its_emails_pending(submit, settings):
    settings.EMAIL_BACKEND = DOWN
    response = submit()
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    inquiry = Inquiry.objects.get()
    pending = Notification.objects.filter(inquiry=inquiry, sent_at__isnull=True)
    assert pending.count() == 2
    assert set(pending.values_list("last_error", flat=True)) == {"SMTPConnectError"}
    assert set(pending.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_command_sends_the_pending_emails_once_the_mail_server_is_back(submit, settings):
    settings.EMAIL_BACKEND = DOWN
    submit()
    submit(email="toinen@example.fi", message="Toinen")
    with pytest.raises(CommandError, match=r"Sent 0, failed 4\."):
        send_notifications()

    settings.EMAIL_BACKEND = LOCMEM
    assert send_notifications() == "Sent 4, failed 0."
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "aino@example.fi",
        "henna@aventuria.fi",
        "henna@aventuria.fi",
        "toinen@example.fi",
    ]
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert set(Notification.objects.values_list("last_error", flat=True)) == {""}

    # A second run has nothing left to send.
    assert send_notifications() == "Sent 0, failed 0."
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_command_output_has_no_personal_data(submit, settings):
    settings.EMAIL_BACKEND = DOWN
    submit()
    with pytest.raises(CommandError) as error:
        send_notifications()
    for private in ("Äiniö", "aino@example.fi", "040 123 4567"):
        assert private not in str(error.value)


@pytest.mark.django_db
def test_spam_sends_no_email_even_later(submit, settings):
    submit(website="bot was here")
    assert send_notifications() == "Sent 0, failed 0."
    assert mail.outbox == []


@pytest.mark.postgres
# Real commits, so that each thread sees the rows (site_content puts the content back).
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_send_each_email_exactly_once(
    site_content, client, filled_form, settings, monkeypatch
):
    settings.EMAIL_BACKEND = DOWN
    for number in range(4):
        post_inquiry(client, filled_form(email=f"asiakas{number}@example.fi", message=str(number)))
    assert Notification.objects.filter(sent_at__isnull=True).count() == 8

    settings.EMAIL_BACKEND = MEETING
    # Each run's first email waits for the other run to be sending as well: without
    # the claim committed before sending, the second run would queue behind the first one's
    # lock and never arrive.
    monkeypatch.setattr(mail_backends.MeetingBackend, "meeting", threading.Barrier(2))
    monkeypatch.setattr(mail_backends, "sent", [])
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(send_notifications())
        except Exception as exc:  # Reported below; a thread cannot fail the test itself.
            errors.append(exc)
        finally:
            connection.close()  # Each thread has its own connection.

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(mail_backends.sent) == 8
    assert len(set(mail_backends.sent)) == 8
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    sent_by_run = sorted(int(result.split()[1].rstrip(",")) for result in results)
    assert sum(sent_by_run) == 8
    assert sent_by_run[0] >= 1


@pytest.mark.django_db
def test_a_run_sends_all_its_emails_over_one_connection_to_the_mail_server(
    submit, settings, monkeypatch
):
    settings.EMAIL_BACKEND = DOWN
    for number in range(3):
        submit(email=f"asiakas{number}@example.fi", message=str(number))
    settings.EMAIL_BACKEND = "tests.bookings.mail_backends.CountingBackend"
    monkeypatch.setattr(mail_backends.CountingBackend, "opened", 0)
    monkeypatch.setattr(mail_backends.CountingBackend, "messages", 0)
    assert send_notifications() == "Sent 6, failed 0."
    assert (mail_backends.CountingBackend.opened, mail_backends.CountingBackend.messages) == (1, 6)


@pytest.mark.django_db
def test_an_email_sent_again_carries_the_same_message_id(submit, settings):
    """A resend after a crash between sending and marking sent (bench/inquiries drill (b))
    is the same message to the recipient's mail program."""
    submit()
    first = {m.to[0]: m.extra_headers["Message-ID"] for m in mail.outbox}
    Notification.objects.update(sent_at=None)
    assert send_notifications() == "Sent 2, failed 0."
    again = {m.to[0]: m.extra_headers["Message-ID"] for m in mail.outbox[2:]}
    assert again == first
    assert len(set(first.values())) == 2
    for message_id in first.values():
        assert message_id.startswith("<notification.")
        assert message_id.endswith("@aventuria.fi>")
    # The header is what goes out on the wire.
    assert mail.outbox[0].message()["Message-ID"] == mail.outbox[0].extra_headers["Message-ID"]


@pytest.mark.django_db
def test_a_mail_server_that_cannot_be_reached_ends_the_round_at_the_first_email(submit, settings):
    settings.EMAIL_BACKEND = DOWN
    submit()
    submit(email="toinen@example.fi", message="Toinen")
    settings.EMAIL_BACKEND = "tests.bookings.mail_backends.UnreachableBackend"
    with pytest.raises(CommandError, match=r"Sent 0, failed 1\."):
        send_notifications()
    # One more attempt in all, not one per waiting email: each costs up to EMAIL_TIMEOUT.
    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [1, 1, 1, 2]
    assert Notification.objects.filter(last_error="ConnectionRefusedError").count() == 1


@pytest.mark.django_db
def test_an_address_the_mail_server_refuses_for_good_is_not_tried_again(
    submit, settings, monkeypatch
):
    settings.EMAIL_BACKEND = DOWN
    submit(email="eiole@example.fi")
    submit(email="ruuhka@example.fi", message="Toinen")
    settings.EMAIL_BACKEND = "tests.bookings.mail_backends.RefusingBackend"
    monkeypatch.setattr(mail_backends.RefusingBackend, "refused", ("eiole@example.fi",))
    monkeypatch.setattr(mail_backends.RefusingBackend, "busy", ("ruuhka@example.fi",))
    monkeypatch.setattr(mail_backends, "sent", [])

    with pytest.raises(CommandError, match=r"Sent 2, failed 2\."):
        send_notifications()
    refused = Notification.objects.get(inquiry__email="eiole@example.fi", kind="ack")
    assert refused.gave_up_at is not None
    assert refused.last_error == "SMTPRecipientsRefused"
    busy = Notification.objects.get(inquiry__email="ruuhka@example.fi", kind="ack")
    assert busy.gave_up_at is None  # A temporary refusal: tried again.

    # The next run tries only the busy one; the refused one stays as it was.
    with pytest.raises(CommandError, match=r"Sent 0, failed 1\."):
        send_notifications()
    refused.refresh_from_db()
    assert refused.attempts == 2  # One failure before the mail server was back, then one refusal.
    assert sorted(to for to, _subject in mail_backends.sent) == [
        "henna@aventuria.fi",
        "henna@aventuria.fi",
    ]


DOWN = "tests.bookings.mail_backends.DownBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class Worker:
    """`send_notifications --watch` in a thread of the test (its own database connection)."""

    def __init__(self, **options):
        self.stop = threading.Event()
        self.reports = []
        self.errors = []
        self.thread = threading.Thread(target=self.run, kwargs=options)

    def run(self, **options):
        try:
            run_worker(stop=self.stop, report=self.reports.append, **options)
        except Exception as exc:  # Reported by the test; a thread cannot fail it itself.
            self.errors.append(exc)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the worker did not stop within 10 s"


def watch_until_sigterm(seconds: float) -> str:
    """Run `send_notifications --watch` until a SIGTERM `seconds` later; return its output."""
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    out = StringIO()
    try:
        timer.start()
        call_command("send_notifications", "--watch", "--interval", "600", stdout=out)
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    return out.getvalue().strip()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db
def test_with_the_worker_on_a_submission_stores_and_queues_and_sends_nothing(submit, settings):
    settings.INQUIRY_EMAIL_WORKER = True
    response = submit()
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    inquiry = Inquiry.objects.get()
    assert mail.outbox == []
    assert Notification.objects.filter(inquiry=inquiry, sent_at__isnull=True).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_wakes_the_worker_the_moment_an_inquiry_is_stored(
    site_content, client, filled_form, settings
):
    settings.INQUIRY_EMAIL_WORKER = True
    # Retries only every 10 minutes: emails within seconds can only come from the wake-up.
    with Worker(interval=600) as worker:
        time.sleep(0.5)  # Listening by now; what it found at its start was nothing.
        post_inquiry(client, filled_form())
        delivered = wait_for(lambda: len(mail.outbox) == 2, seconds=5)
    assert worker.errors == []
    assert delivered, f"emails after 5 s: {len(mail.outbox)}"
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "henna@aventuria.fi"]
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert worker.reports and str(worker.reports[0]) == "Sent 2, failed 0."


@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_what_the_mail_server_refused_and_sends_each_email_once(
    site_content, client, filled_form, settings
):
    settings.INQUIRY_EMAIL_WORKER = True
    settings.EMAIL_BACKEND = DOWN
    for number in range(3):
        post_inquiry(client, filled_form(email=f"asiakas{number}@example.fi", message=str(number)))
    with Worker(interval=0.2, sqlite_poll=0.2) as worker:
        assert wait_for(lambda: worker.reports, seconds=5)
        assert str(worker.reports[0]) == "Sent 0, failed 6."
        settings.EMAIL_BACKEND = LOCMEM
        delivered = wait_for(lambda: len(mail.outbox) == 6, seconds=5)
        time.sleep(0.5)  # More rounds: nothing may go out twice.
    assert worker.errors == []
    assert delivered
    assert len(mail.outbox) == 6
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == 6
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_between_retries_the_worker_tries_only_new_inquiries_emails(
    site_content, client, filled_form, settings
):
    """During a mail outage a busy day must not bring on an attempt at every waiting email
    with each new inquiry: those wait for the retry every --interval seconds."""
    settings.INQUIRY_EMAIL_WORKER = True
    settings.EMAIL_BACKEND = DOWN
    post_inquiry(client, filled_form(email="eka@example.fi", message="1"))
    with Worker(interval=600, sqlite_poll=0.1) as worker:
        assert wait_for(lambda: len(worker.reports) == 1, seconds=5)  # The retry at start.
        post_inquiry(client, filled_form(email="toka@example.fi", message="2"))
        assert wait_for(lambda: len(worker.reports) == 2, seconds=5)  # The new one's emails.
        time.sleep(0.5)  # More rounds, woken or not: none may retry before the interval.
    assert worker.errors == []
    attempts = dict(
        Notification.objects.values_list("inquiry__email", "attempts").order_by("attempts")
    )
    assert attempts == {"eka@example.fi": 1, "toka@example.fi": 1}
    assert Notification.objects.filter(attempts=1).count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_database_that_does_not_answer(
    site_content, client, filled_form, settings, monkeypatch, caplog
):
    settings.INQUIRY_EMAIL_WORKER = True
    real = outbox_worker.send_pending_notifications
    outage = {"left": 2}

    def flaky(**kwargs):
        if outage["left"]:
            outage["left"] -= 1
            raise outbox_worker.DatabaseError("the server closed the connection")
        return real(**kwargs)

    monkeypatch.setattr(outbox_worker, "send_pending_notifications", flaky)
    monkeypatch.setattr(outbox_worker, "DATABASE_RETRY_SECONDS", 0.1)
    post_inquiry(client, filled_form())
    with Worker(interval=0.2, sqlite_poll=0.2) as worker:
        delivered = wait_for(lambda: len(mail.outbox) == 2, seconds=5)
    assert worker.errors == []
    assert delivered
    assert outage["left"] == 0
    assert "database unavailable (DatabaseError); retrying" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_watch_command_sends_what_is_pending_and_stops_cleanly_on_sigterm(
    site_content, client, filled_form, settings
):
    settings.INQUIRY_EMAIL_WORKER = True
    post_inquiry(client, filled_form())
    # docker stop sends SIGTERM: the command finishes its round and exits without an error.
    started = time.monotonic()
    output = watch_until_sigterm(1.5)
    assert time.monotonic() - started < 5
    assert output == "Sent 2, failed 0."
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_a_round_cut_short_by_the_database_still_reports_what_it_sent(
    site_content, settings, monkeypatch
):
    settings.INQUIRY_EMAIL_WORKER = True
    monkeypatch.setattr(outbox_worker, "DATABASE_RETRY_SECONDS", 0.1)
    rounds = []

    def cut_short(*, result, **kwargs):
        rounds.append(1)
        if len(rounds) == 1:
            result.sent += 1  # One email went out, then the database went away.
            raise outbox_worker.DatabaseError("the server closed the connection")
        return result

    monkeypatch.setattr(outbox_worker, "send_pending_notifications", cut_short)
    with Worker(interval=0.1, sqlite_poll=0.1) as worker:
        assert wait_for(lambda: len(rounds) >= 2, seconds=5)
    assert worker.errors == []
    assert [str(report) for report in worker.reports] == ["Sent 1, failed 0."]


@pytest.mark.parametrize("interval", ["0", "-5", "abc", "nan"])
def test_the_watch_command_refuses_an_interval_that_would_keep_the_database_busy(interval):
    # Parsed only: were the value taken, the worker would run until stopped.
    parser = SendNotifications().create_parser("manage.py", "send_notifications")
    with pytest.raises(CommandError, match="at least 1"):
        parser.parse_args(["--watch", "--interval", interval])


class SmtpSink:
    """A local mail server keeping each email's recipients and Reply-To."""

    def __init__(self):
        self.emails = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content)
        self.emails.append({"to": envelope.rcpt_tos, "reply_to": message["Reply-To"]})
        return "250 OK"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_running_worker_sends_to_the_address_henna_just_changed_in_the_admin(
    site_content, client, admin_client, filled_form, settings, tmp_path
):
    """As compose runs it: the worker is a process of its own, with a cache of its own."""
    from aiosmtpd.controller import Controller

    settings.INQUIRY_EMAIL_WORKER = True
    sink = SmtpSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    database = connection.settings_dict
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "DJANGO_SECRET_KEY": "worker-test-only",
        "DJANGO_SITE_URL": "https://aventuria.example",
        "DJANGO_EMAIL_WORKER": "1",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "DJANGO_CACHE_DIR": str(tmp_path / "worker-cache"),
    }
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(  # compose's notifications service
        [sys.executable, "manage.py", "send_notifications", "--watch", "--interval", "600"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        post_inquiry(client, filled_form(email="eka@example.fi", message="1"))
        assert wait_for(lambda: len(sink.emails) == 2, seconds=20), log.seek(0) or log.read()

        url = reverse("admin:services_practice_change", args=[1])
        fields = FormFields(admin_client.get(url).content.decode()).fields
        assert fields["email"] == "henna@aventuria.fi"
        response = admin_client.post(url, fields | {"email": "toimisto@aventuria.fi"})
        assert response.status_code == 302

        post_inquiry(client, filled_form(email="toka@example.fi", message="2"))
        assert wait_for(lambda: len(sink.emails) == 4, seconds=20), log.seek(0) or log.read()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        smtp.stop()
        log.close()
    first, second = sink.emails[:2], sink.emails[2:]
    assert sorted(email["to"][0] for email in first) == ["eka@example.fi", "henna@aventuria.fi"]
    assert sorted(email["to"][0] for email in second) == [
        "toimisto@aventuria.fi",
        "toka@example.fi",
    ]
    acknowledgement = next(email for email in second if email["to"] == ["toka@example.fi"])
    assert acknowledgement["reply_to"] == "toimisto@aventuria.fi"


@pytest.mark.django_db
def test_the_email_worker_frees_the_time_of_a_booking_not_confirmed_in_time(site_content):
    """On a quiet day no new booking runs expire_holds: the worker's round does."""
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import Meeting
    from tests.bookings.booking_helpers import booked

    hold = booked(confirm=False)
    assert hold.is_hold
    Meeting.objects.filter(pk=hold.pk).update(hold_until=timezone.now() - timedelta(minutes=1))

    call_command("send_notifications", stdout=StringIO())

    hold.refresh_from_db()
    assert not hold.is_active
