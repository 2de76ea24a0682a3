"""Nothing a visitor typed leaves the database: not in an email, a log line, command output or
an error report. One run through the whole life of an inquiry, then a grep of all it wrote."""

import io
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction

from bookings.models import Inquiry
from tests.bookings.conftest import post_inquiry

pytestmark = pytest.mark.django_db

TYPED = {
    "name": "Sointu Kärkkäinen-Vuorela",
    "email": "sointu.vuorela@example.org",
    "phone": "+358 44 765 4321",
    "organisation": "Kotkan Esimerkkisairaala",
    "preferred_times": "Perjantaiaamut klo 8",
    "message": "Luottamuksellista: tiimin ristiriita ja uupumus.",
}
# What is searched for: long enough that a match is never a coincidence.
SECRETS = [
    TYPED["name"],
    "Kärkkäinen",
    TYPED["email"],
    "sointu.vuorela",
    TYPED["phone"],
    "765 4321",
    TYPED["organisation"],
    TYPED["preferred_times"],
    "tiimin ristiriita",
]


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient: smtplib puts the address in the exception."""

    def send_messages(self, email_messages):
        recipients = {to: (550, b"5.1.1 User unknown") for m in email_messages for to in m.to}
        raise smtplib.SMTPRecipientsRefused(recipients)


@pytest.fixture
def everything_logged(caplog):
    """Every log record at DEBUG, from every logger, through our real formatter and filter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("", "django", "axes", "bookings")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    # The project's own stdout handler too, as configured in settings.LOGGING.
    project_handlers = [h for h in logging.getLogger().handlers if h.get_name() == "stdout"]
    swapped = [(h, h.setStream(buffer)) for h in project_handlers]
    caplog.set_level(logging.DEBUG)
    yield buffer
    for handler_, stream in swapped:
        handler_.setStream(stream)
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def email_text_without_recipient(message) -> str:
    """The whole email as sent, minus its To: header (the one place the address belongs)."""
    raw = message.message().as_string()
    lines = [line for line in raw.splitlines() if not line.lower().startswith("to:")]
    return "\n".join(lines)


def test_a_whole_inquiry_life_writes_nothing_confidential_outside_the_database(
    client,
    admin_client,
    filled_form,
    settings,
    everything_logged,
    caplog,
    capsys,
    django_capture_on_commit_callbacks,
):
    # The visitor: a form with a mistake, then the real thing; the emails go out on commit.
    post_inquiry(client, filled_form(**TYPED, kind="group", participants="1"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_inquiry(client, filled_form(**TYPED, kind="individual"))
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.name == TYPED["name"]

    # Henna: the queue, the inquiry, a privacy request, the export.
    assert admin_client.get("/admin/bookings/inquiry/?status=all").status_code == 200
    assert admin_client.get(inquiry.get_admin_url()).status_code == 200
    admin_client.post(
        "/admin/bookings/inquiry/?status=all",
        {"action": "mark_contacted", "_selected_action": [inquiry.pk]},
    )
    privacy_url = "/admin/bookings/inquiry/tietosuojapyynto/"
    found = admin_client.post(privacy_url, {"email": TYPED["email"], "step": "find"})
    assert TYPED["name"] in found.content.decode()
    exported = admin_client.post(privacy_url, {"email": TYPED["email"], "step": "export"})
    assert TYPED["message"] in exported.content.decode()
    admin_client.post(privacy_url, {"email": "ei-osoite", "step": "find"})

    # The mail server refuses the address: the error is logged and shown without it.
    settings.EMAIL_BACKEND = "tests.bookings.test_no_leaks.RefusingBackend"
    inquiry.notifications.update(sent_at=None)
    with pytest.raises(Exception, match="failed 2"):
        call_command("send_notifications")

    # The jobs: the retention purge, dry and real; then erasure on request.
    call_command("purge_inquiries", "--dry-run")
    call_command("purge_inquiries")
    admin_client.post(privacy_url, {"email": TYPED["email"], "step": "erase-confirmed"})
    assert not Inquiry.objects.exists()

    written = {
        "log records": caplog.text,
        "log handlers": everything_logged.getvalue(),
        "stdout and stderr": "\n".join(capsys.readouterr()),
    }
    # The run did write: this is not a grep of nothing.
    assert "Inquiry" in written["log handlers"]
    assert "not sent: SMTPRecipientsRefused" in written["log records"]
    assert "1 inquiries" not in written["stdout and stderr"]  # nothing was due yet

    acknowledgement, staff = sorted(mail.outbox, key=lambda m: m.to != [TYPED["email"]])
    assert acknowledgement.to == [TYPED["email"]]
    assert TYPED["email"] not in staff.to
    for message in mail.outbox:
        written[f"email to {message.to}"] = email_text_without_recipient(message)

    for where, text in written.items():
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), f"{secret!r} written to {where}"


def test_a_logged_database_error_does_not_quote_the_failing_row(log_output):
    # PostgreSQL's message for a failed check names every value of the row.
    try:
        with transaction.atomic():
            Inquiry.objects.create(
                kind="group", name=TYPED["name"], email=TYPED["email"], participants=1
            )
    except IntegrityError:
        logging.getLogger("bookings.inquiries.services").exception("Saving inquiry failed")
    else:
        pytest.fail("the participants check constraint did not hold")

    output = log_output.getvalue()
    assert "Saving inquiry failed" in output
    assert "IntegrityError: (message withheld" in output
    assert "Traceback (most recent call last)" in output  # where it failed is kept
    for secret in SECRETS:
        assert secret.lower() not in output.lower()


def test_a_logged_smtp_error_does_not_quote_the_address(log_output):
    try:
        RefusingBackend().send_messages([mail.EmailMessage("Aihe", "Teksti", to=[TYPED["email"]])])
    except smtplib.SMTPRecipientsRefused:
        logging.getLogger("bookings.outbox.worker").exception("Sending failed")
    output = log_output.getvalue()
    assert "smtplib.SMTPRecipientsRefused: (message withheld" in output
    assert TYPED["email"] not in output
    # Other errors keep their message: it is what tells the operator what went wrong.
    try:
        raise RuntimeError("template missing")
    except RuntimeError:
        logging.getLogger("bookings.outbox.worker").exception("Rendering failed")
    assert "RuntimeError: template missing" in log_output.getvalue()
