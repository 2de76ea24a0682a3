"""Meetings are personal data of their inquiry: access, export, erasure and the retention purge
cover them, and the privacy notice names the invitation and the reminder."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import booking, privacy
from bookings.models import Inquiry, Meeting, MeetingChange, Notification
from tests.bookings.booking_helpers import booked
from tests.bookings.test_privacy import PRIVACY_URL, all_stored_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved_meeting():
    meeting = booked(name="Veera Varaaja", email="veera@example.fi")
    booking.move_meeting(meeting=meeting, new_start=meeting.start + timedelta(days=7))
    return Meeting.objects.get(pk=meeting.pk)


def test_access_shows_the_meeting_and_its_history(moved_meeting, admin_client):
    body = admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "find"})
    body = body.content.decode()
    assert "Tapaamiset" in body and "Tapaamisten historia" in body
    assert moved_meeting.uid in body
    assert "Siirretty" in body
    assert moved_meeting.manage_token not in body


def test_export_holds_the_meeting_and_its_changes(moved_meeting, admin_client):
    response = admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "export"})
    data = json.loads(response.content)
    (item,) = data["inquiries"]
    (meeting,) = item["meetings"]
    assert meeting["id"] == moved_meeting.pk
    assert meeting["place"] == "remote"
    assert meeting["sequence"] == 1
    assert "manage_token" not in meeting
    assert [change["action"] for change in meeting["changes"]] == ["booked", "moved"]
    assert moved_meeting.manage_token not in response.content.decode()


def test_erasure_removes_the_meeting_its_history_and_emails(moved_meeting, admin_client):
    other = booked(name="Muu Asiakas", email="muu@example.fi", skip=2)
    admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "erase-confirmed"})
    assert not Meeting.objects.filter(pk=moved_meeting.pk).exists()
    assert not MeetingChange.objects.filter(meeting_id=moved_meeting.pk).exists()
    assert not Notification.objects.filter(meeting_id=moved_meeting.pk).exists()
    stored = all_stored_text().lower()
    assert "veera" not in stored and moved_meeting.uid not in stored
    assert Meeting.objects.filter(pk=other.pk).exists()


def test_the_retention_period_of_a_booking_counts_from_its_meeting(settings):
    settings.RETENTION_MONTHS_NO_CLIENT = 1
    meeting = booked()
    long_ago = timezone.now() - timedelta(days=90)
    Inquiry.objects.filter(pk=meeting.inquiry_id).update(created_at=long_ago, updated_at=long_ago)
    meeting.inquiry.status_changes.update(changed_at=long_ago)
    # The meeting is still ahead: not due, whatever the inquiry's age.
    assert privacy.purge_due_inquiries() == []
    # Its meeting was held 40 days ago: past the month.
    meeting.start = timezone.now() - timedelta(days=40)
    meeting.end = meeting.start + timedelta(minutes=30)
    meeting.save()
    assert [due.pk for due in privacy.purge_due_inquiries()] == [meeting.inquiry_id]
    assert not Meeting.objects.exists()
    assert not MeetingChange.objects.exists()


def test_the_privacy_notice_names_the_invitation_and_the_reminder(client):
    fi = client.get("/tietosuoja/").content.decode()
    assert "kalenterikutsu" in fi and "muistutus ennen tapaamista" in fi
    en = client.get("/en/privacy/").content.decode()
    assert "calendar invitation" in en and "reminder before the meeting" in en
