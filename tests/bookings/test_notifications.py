"""Nothing the site thanked for is lost: with the mail server down the inquiry stays and its
emails wait; `manage.py send_notifications` sends each of them exactly once."""

import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from bookings.models import Inquiry, Notification
from tests.bookings import mail_backends
from tests.bookings.conftest import THANKS_URL, post_inquiry

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
    # SKIP LOCKED the second run would queue behind the first one's lock and never arrive.
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
