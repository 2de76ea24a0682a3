"""Every public page is valid HTML by the Nu HTML Checker (vnu.jar, the W3C validator's engine)."""

import json
import shutil
import subprocess

import pytest

from tests.aventuria.node_tools import VNU, require
from tests.aventuria.public_pages import LANGUAGES, page_url, public_pages

# Checks of files, not of the database: CI runs them in one leg (pytest.mark.once).
pytestmark = [pytest.mark.django_db, pytest.mark.once]


def test_every_public_page_is_valid_html(client, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is needed to run vnu.jar (Debian package default-jre-headless)")
    documents = {label: client.get(path) for label, path in public_pages()}
    for language in LANGUAGES:
        # An empty form comes back with the error summary and the errors at the fields.
        documents[f"inquiry-errors-{language}"] = client.post(page_url("inquiry", language), {})
    for label, response in documents.items():
        assert response["Content-Type"] == "text/html; charset=utf-8", label
        (tmp_path / f"{label}.html").write_bytes(response.content)
    # One Java start for all pages: the checker takes seconds to start.
    result = subprocess.run(  # noqa: S603 (our own command line)
        [java, "-jar", str(require(VNU)), "--format", "json", "--stdout", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine')}: {message['message']}"
        for message in messages
        if message["type"] == "error" or message.get("subType") in ("warning", "fatal")
    ]
    assert not problems, "\n".join(problems)
    assert len(documents) == 16


def test_the_clients_own_pages_are_valid_html(client, tmp_path, admin_user):
    """The pages behind a client's link: confirmation, manage (with the move picker and its
    marked current time), the cancel question, a scheduled session's page; both languages."""
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import MeetingType
    from bookings.scheduling import meetings
    from tests.bookings.booking_helpers import booked

    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is needed to run vnu.jar (Debian package default-jre-headless)")
    meeting = booked()
    hold = booked(name="Uusi Asiakas", email="uusi@example.fi", skip=1, confirm=False)
    supervision = MeetingType.objects.create(name="Yksilötyönohjaus", duration_minutes=60)
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    start += timedelta(weeks=3)
    [session] = meetings.schedule_meetings(
        inquiry=meeting.inquiry,
        meeting_type=supervision,
        place="kotka",
        sessions=[(start, start + supervision.duration)],
        user=admin_user,
    )
    paths = {}
    for prefix, cancel, confirmed, confirm in (
        ("/ajanvaraus", "peru", "vahvistus", "vahvista"),
        ("/en/booking", "cancel", "confirmed", "confirm"),
    ):
        token = meeting.manage_token
        paths |= {
            f"hold{prefix}": f"{prefix}/{hold.manage_token}/{confirmed}/",
            f"confirm{prefix}": f"{prefix}/{confirm}/{hold.confirm_token}/",
            f"manage{prefix}": f"{prefix}/{token}/",
            f"cancel{prefix}": f"{prefix}/{token}/{cancel}/",
            f"confirmed{prefix}": f"{prefix}/{token}/{confirmed}/",
            f"scheduled{prefix}": f"{prefix}/{session.manage_token}/",
            f"last-week{prefix}": f"{prefix}/?week=2099-01-05",
        }
    for label, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, path
        (tmp_path / f"{label.replace('/', '-')}.html").write_bytes(response.content)
    result = subprocess.run(  # noqa: S603 (our own command line)
        [java, "-jar", str(require(VNU)), "--format", "json", "--stdout", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine')}: {message['message']}"
        for message in messages
        if message["type"] == "error" or message.get("subType") in ("warning", "fatal")
    ]
    assert not problems, "\n".join(problems)
