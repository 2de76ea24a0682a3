"""The meeting emails go through the inquiries' outbox: kept while the mail server is down, sent
exactly once by overlapping senders, and never sent once a later change made them pointless.
The reminder goes out once per version of a meeting, a set time before it, from
`send_notifications` (cron) and `send_notifications --watch` (the email worker)."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from bookings.models import Meeting, Notification
from bookings.outbox.queue import queue_due_reminders
from tests.bookings import mail_backends
from tests.bookings.meetings import (
    CLIENT,
    CONFIDENTIAL,
    book,
    cancel,
    helsinki,
    move,
)
from tests.bookings.outbox.test_worker import watch_until_sigterm

DOWN = "tests.bookings.mail_backends.DownBackend"
MEETING = "tests.bookings.mail_backends.MeetingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REMINDER = Notification.Kind.REMINDER


def send_notifications() -> str:
    out = StringIO()
    call_command("send_notifications", stdout=out)
    return out.getvalue().strip()


def reminders(meeting=None):
    rows = Notification.objects.filter(kind=REMINDER)
    return rows.filter(meeting=meeting) if meeting else rows


def soon(hours: float):
    return timezone.now() + timedelta(hours=hours)


@pytest.mark.django_db
def test_with_the_mail_server_down_the_booking_emails_wait_and_go_out_once(settings):
    settings.EMAIL_BACKEND = DOWN
    meeting = book(helsinki(2027, 1, 12, 9))
    with pytest.raises(CommandError, match=r"Sent 0, failed 2\."):
        send_notifications()
    pending = Notification.objects.filter(meeting=meeting, sent_at__isnull=True)
    assert pending.count() == 2
    assert set(pending.values_list("last_error", flat=True)) == {"SMTPConnectError"}

    settings.EMAIL_BACKEND = LOCMEM
    assert send_notifications() == "Sent 2, failed 0."
    assert sorted(m.to[0] for m in mail.outbox) == ["henna@aventuria.fi", CLIENT["email"]]
    assert send_notifications() == "Sent 0, failed 0."
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_hennas_notification_has_the_kind_time_reference_and_admin_link_only(settings):
    meeting = book(helsinki(2027, 1, 12, 9), language="en")
    send_notifications()
    [henna] = [m for m in mail.outbox if m.to == ["henna@aventuria.fi"]]
    reference = meeting.inquiry.reference
    # In Finnish, whatever the client's language.
    assert henna.subject == f"Uusi ajanvaraus {reference}: tiistaina 12.1.2027 klo 9.00–9.30"
    assert "Työnohjauksen muoto: Ensin tutustumistapaaminen\n" in henna.body
    assert "Harkittu muoto: Yksilötyönohjaus\n" in henna.body
    assert "Aika: tiistaina 12.1.2027 klo 9.00–9.30\n" in henna.body
    assert f"http://127.0.0.1:8000/admin/bookings/inquiry/{meeting.inquiry_id}/change/" in (
        henna.body
    )
    assert "Asiakkaan kieli: englanti\n" in henna.body
    for secret in [*CONFIDENTIAL, CLIENT["name"], CLIENT["email"]]:
        assert secret not in henna.body

    move(meeting, helsinki(2027, 1, 13, 10))
    cancel(meeting)
    send_notifications()
    subjects = [m.subject for m in mail.outbox if m.to == ["henna@aventuria.fi"]]
    # The move's notification went out of date with the cancellation before it was sent.
    assert subjects[1:] == [
        f"Tapaaminen peruttu {reference}: keskiviikkona 13.1.2027 klo 10.00–10.30"
    ]


@pytest.mark.django_db
def test_an_invitation_to_a_time_since_moved_is_never_sent(settings):
    """Mail server down at the booking, back after the move: only the new time goes out."""
    settings.EMAIL_BACKEND = DOWN
    meeting = book(helsinki(2027, 1, 12, 9))
    with pytest.raises(CommandError):
        send_notifications()
    move(meeting, helsinki(2027, 1, 14, 9))

    settings.EMAIL_BACKEND = LOCMEM
    assert send_notifications() == "Sent 2, failed 0."
    [invitation] = [m for m in mail.outbox if m.to == [CLIENT["email"]]]
    assert "torstaina 14.1.2027" in invitation.body
    assert "tiistaina 12.1.2027" not in invitation.body
    old = Notification.objects.filter(meeting=meeting, sequence=0)
    assert old.count() == 2
    for row in old:
        assert row.sent_at is None
        assert row.gave_up_at is not None
        assert row.last_error == "OutOfDate"
    assert send_notifications() == "Sent 0, failed 0."


@pytest.mark.django_db
def test_a_reminder_is_queued_once_within_the_reminder_time_and_sent_once(settings):
    settings.MEETING_REMINDER_HOURS = 24
    meeting = book(soon(30))
    send_notifications()
    mail.outbox.clear()

    assert queue_due_reminders() == 0  # 30 hours ahead: not yet.
    assert queue_due_reminders(now=meeting.start - timedelta(hours=24, minutes=1)) == 0
    assert queue_due_reminders(now=meeting.start - timedelta(hours=23, minutes=59)) == 1
    assert queue_due_reminders(now=meeting.start - timedelta(hours=23)) == 0
    assert list(reminders().values_list("meeting", "sequence")) == [(meeting.pk, 0)]

    assert send_notifications() == "Sent 1, failed 0."
    [reminder] = mail.outbox
    assert reminder.to == [CLIENT["email"]]
    assert reminder.reply_to == ["henna@aventuria.fi"]
    assert reminder.subject.startswith("Muistutus: Tutustumistapaaminen ")
    assert f"/ajanvaraus/{meeting.manage_token}/" in reminder.body
    for secret in CONFIDENTIAL:
        assert secret not in reminder.body
    assert send_notifications() == "Sent 0, failed 0."
    assert queue_due_reminders() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_command_queues_the_reminders_due_and_sends_them(settings):
    settings.MEETING_REMINDER_HOURS = 24
    due = book(soon(5), email="pian@example.fi")
    later = book(soon(48), email="myohemmin@example.fi")

    assert send_notifications() == "Sent 5, failed 0."
    reminder_emails = [m for m in mail.outbox if m.subject.startswith("Muistutus:")]
    assert [m.to for m in reminder_emails] == [["pian@example.fi"]]
    assert reminders(due).count() == 1
    assert not reminders(later).exists()


@pytest.mark.django_db
def test_the_reminder_time_is_a_setting(settings):
    settings.MEETING_REMINDER_HOURS = 2
    book(soon(3))
    assert queue_due_reminders() == 0
    settings.MEETING_REMINDER_HOURS = 4
    assert queue_due_reminders() == 1


@pytest.mark.django_db
def test_a_cancelled_meeting_gets_no_reminder_even_one_queued_before(settings):
    cancelled_early = book(soon(48), email="eka@example.fi")
    cancel(cancelled_early)
    cancelled_late = book(soon(48), email="toka@example.fi")
    send_notifications()
    mail.outbox.clear()
    queue_due_reminders(now=timezone.now() + timedelta(hours=30))
    assert reminders(cancelled_early).count() == 0
    assert reminders(cancelled_late).count() == 1
    # The reminder is queued, and the client cancels before the worker sends it.
    cancel(cancelled_late)
    send_notifications()

    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Tapaamisesi on peruttu",
        "Tapaaminen peruttu " + cancelled_late.inquiry.reference,
    ]
    reminder = reminders(cancelled_late).get()
    assert reminder.sent_at is None
    assert reminder.last_error == "OutOfDate"
    assert queue_due_reminders(now=timezone.now() + timedelta(hours=30)) == 0


@pytest.mark.django_db
def test_a_moved_meeting_is_reminded_at_its_new_time_once(settings):
    settings.MEETING_REMINDER_HOURS = 24
    meeting = book(soon(40))
    old_start = meeting.start
    send_notifications()
    # Reminded for its first time, then moved three days later.
    queue_due_reminders(now=old_start - timedelta(hours=20))
    send_notifications()
    move(meeting, old_start + timedelta(days=3))
    send_notifications()
    mail.outbox.clear()

    assert queue_due_reminders(now=old_start - timedelta(hours=1)) == 0
    assert queue_due_reminders(now=meeting.start - timedelta(hours=25)) == 0
    assert queue_due_reminders(now=meeting.start - timedelta(hours=23)) == 1
    assert queue_due_reminders(now=meeting.start - timedelta(hours=2)) == 0
    assert list(reminders(meeting).order_by("sequence").values_list("sequence", flat=True)) == [
        0,
        1,
    ]
    assert send_notifications() == "Sent 1, failed 0."
    [reminder] = mail.outbox
    new_day = timezone.localtime(meeting.start).strftime("%-d.%-m.%Y")
    assert f"Aika: {weekday_fi(meeting)} {new_day} klo " in reminder.body


def weekday_fi(meeting: Meeting) -> str:
    from bookings.outbox.emails import WEEKDAYS_ON

    return str(WEEKDAYS_ON[timezone.localtime(meeting.start).weekday()])


@pytest.mark.django_db
def test_a_reminder_held_up_past_the_meeting_is_not_sent(settings):
    settings.EMAIL_BACKEND = DOWN
    meeting = book(soon(2))
    queue_due_reminders()
    with pytest.raises(CommandError, match=r"failed 3\."):
        send_notifications()
    # The mail server stays down until the meeting has started.
    meeting.start = timezone.now() - timedelta(minutes=5)
    meeting.end = meeting.start + timedelta(minutes=30)
    meeting.set_blocked_range()
    meeting.save()

    settings.EMAIL_BACKEND = LOCMEM
    assert send_notifications() == "Sent 2, failed 0."
    assert [m.to[0] for m in mail.outbox].count(CLIENT["email"]) == 1  # The invitation only.
    assert reminders(meeting).get().last_error == "OutOfDate"


@pytest.mark.django_db
def test_with_the_mail_server_down_a_reminder_waits_and_goes_out_once(settings):
    settings.EMAIL_BACKEND = DOWN
    meeting = book(soon(3))
    with pytest.raises(CommandError, match=r"Sent 0, failed 3\."):
        send_notifications()
    with pytest.raises(CommandError, match=r"Sent 0, failed 3\."):
        send_notifications()
    assert reminders(meeting).get().attempts == 2
    settings.EMAIL_BACKEND = LOCMEM
    assert send_notifications() == "Sent 3, failed 0."
    assert send_notifications() == "Sent 0, failed 0."
    assert [m.subject.split(":")[0] for m in mail.outbox].count("Muistutus") == 1
    assert reminders(meeting).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_email_worker_sends_the_reminders_as_they_fall_due(site_content, settings):
    """`send_notifications --watch` looks for reminders due each round, at least every
    --interval seconds, and sends them."""
    settings.INQUIRY_EMAIL_WORKER = True
    settings.MEETING_REMINDER_HOURS = 24
    book(soon(5), email="pian@example.fi")
    book(soon(30), email="myohemmin@example.fi")
    assert watch_until_sigterm(1.5) == "Sent 5, failed 0."
    client_emails = sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox)
    assert client_emails[-3:] == [
        ("myohemmin@example.fi", "Tapaamisesi on varattu"),
        ("pian@example.fi", "Muistutus"),
        ("pian@example.fi", "Tapaamisesi on varattu"),
    ]
    assert reminders().count() == 1


def run_at_once(target, count: int = 2):
    """Run target in `count` threads released together; return their results and errors."""
    start = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(target())
        except Exception as exc:  # Reported by the test; a thread cannot fail it itself.
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_senders_send_each_meeting_email_exactly_once(
    site_content, settings, monkeypatch
):
    settings.EMAIL_BACKEND = DOWN
    meetings = [book(soon(3 + number), email=f"asiakas{number}@example.fi") for number in range(3)]
    move(meetings[0], soon(10))
    cancel(meetings[1])
    queue_due_reminders()
    # 3 bookings x 2, a move x 2, a cancellation x 2, reminders of the two still booked; the
    # first emails of the moved and the cancelled meeting went out of date when they changed
    # (each change tries its inquiry's emails after the commit, with the mail server down).
    pending = Notification.objects.filter(sent_at__isnull=True, gave_up_at__isnull=True)
    assert pending.count() == 8
    assert Notification.objects.filter(last_error="OutOfDate").count() == 4

    settings.EMAIL_BACKEND = MEETING
    monkeypatch.setattr(mail_backends.MeetingBackend, "meeting", threading.Barrier(2))
    monkeypatch.setattr(mail_backends, "sent", [])
    results, errors = run_at_once(send_notifications)

    assert errors == []
    assert Notification.objects.filter(sent_at__isnull=False).count() == 8
    assert Notification.objects.filter(last_error="OutOfDate").count() == 4
    assert len(mail_backends.sent) == 8
    assert len(set(mail_backends.sent)) == 8
    assert sorted(int(result.split()[1].rstrip(",")) for result in results)[0] >= 1
    assert sum(int(result.split()[1].rstrip(",")) for result in results) == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_queue_each_reminder_once(site_content):
    for number in range(5):
        book(soon(2 + number), email=f"asiakas{number}@example.fi")
    results, errors = run_at_once(queue_due_reminders, count=4)
    assert errors == []
    assert reminders().count() == 5
    assert sum(results) >= 5


@pytest.mark.django_db
def test_an_english_client_gets_the_reminder_and_the_cancellation_in_english(settings):
    meeting = book(helsinki(2027, 1, 12, 9), language="en")
    queue_due_reminders(now=helsinki(2027, 1, 11, 12))
    send_notifications()
    cancel(meeting)
    send_notifications()
    when = "Tuesday 12 January 2027, 9:00–9:30 (Finnish time)"
    assert [m.subject for m in mail.outbox if m.to == [CLIENT["email"]]] == [
        f"Your meeting is booked: Intro meeting on {when}",
        f"Reminder: Intro meeting on {when}",
        f"Your meeting is cancelled: Intro meeting on {when}",
    ]
    reminder = mail.outbox[2]
    assert f"Time: {when}\n" in reminder.body
    assert "If you cannot make it, cancel or move the meeting with this link:" in reminder.body
