"""The meeting list's actions: Henna marks meetings held, not attended or cancelled late (each
with its history, a late cancellation with the client's email) and takes them to Excel; a user
who may only look gets none of it. Meetings are scheduled from the inquiry, not added here."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from bookings import booking
from bookings.models import Meeting, MeetingChange, Notification
from tests.bookings.booking_helpers import booked
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

MEETINGS = "/admin/bookings/meeting/"
ACTIONS = ("mark_held", "mark_no_show", "mark_late_cancelled", "export_meetings_csv")


def run_action(client, action, *meetings):
    return client.post(
        MEETINGS,
        {"action": action, "_selected_action": [meeting.pk for meeting in meetings]},
        follow=True,
    )


def staff_client(*codenames: str, username="avustaja"):
    user = User.objects.create_user(username, password="x" * 16, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="bookings", codename__in=codenames)
    )
    return verified_client(user)


def test_henna_marks_meetings_held_and_not_attended_with_their_history(admin_client, admin_user):
    held, missed = booked(), booked(name="Toinen", email="toinen@example.fi", skip=3)
    response = run_action(admin_client, "mark_held", held)
    assert "1 tapaamisen tila on nyt Pidetty." in response.content.decode()
    response = run_action(admin_client, "mark_no_show", missed)
    assert "1 tapaamisen tila on nyt Ei saapunut." in response.content.decode()
    held.refresh_from_db()
    missed.refresh_from_db()
    assert (held.status, missed.status) == ("held", "no_show")
    for meeting in (held, missed):
        change = meeting.changes.get(action=MeetingChange.Action.STATUS)
        assert change.new_status == meeting.status and change.changed_by == admin_user
    # Only the booking's invitation went out: holding a meeting tells the client nothing.
    assert not Notification.objects.filter(kind="cancel").exists()
    # Marked again: nothing changes, nothing is counted.
    response = run_action(admin_client, "mark_held", held, missed)
    assert "1 tapaamisen tila on nyt Pidetty." in response.content.decode()
    assert held.changes.filter(action=MeetingChange.Action.STATUS).count() == 1
    missed.refresh_from_db()
    assert missed.status == "held"


def test_a_late_cancellation_by_action_sends_the_cancellation(admin_client, admin_user):
    meeting = booked()
    already = booked(name="Toinen", email="toinen@example.fi", skip=3)
    booking.cancel_meeting(meeting=already, user=admin_user)
    response = run_action(admin_client, "mark_late_cancelled", meeting, already)
    assert response.status_code == 200
    assert "1 tapaamisen tila on nyt Peruttu myöhään." in response.content.decode()
    meeting.refresh_from_db()
    already.refresh_from_db()
    assert meeting.status == "late_cancelled" and meeting.sequence == 1
    assert meeting.changes.get(action="cancelled").changed_by == admin_user
    assert Notification.objects.filter(meeting=meeting, kind="cancel", sequence=1).exists()
    assert already.status == "cancelled"
    assert Notification.objects.filter(meeting=already, kind="cancel").count() == 1


def test_the_inquiry_page_counts_the_held_sessions(admin_client):
    meeting = booked()
    page = f"/admin/bookings/inquiry/{meeting.inquiry_id}/change/"

    def held_count() -> str:
        body = admin_client.get(page).content.decode()
        found = re.search(
            r"Pidettyjä tapaamisia:</label>\s*<div class=\"readonly\">(\d+)</div>", body
        )
        assert found, body
        return found.group(1)

    assert held_count() == "0"
    run_action(admin_client, "mark_held", meeting)
    assert held_count() == "1"


def test_a_view_only_user_gets_no_meeting_actions_nor_the_export():
    meeting = booked()
    client = staff_client("view_meeting", "view_inquiry")
    body = client.get(MEETINGS).content.decode()
    assert "Bea Booker" in body
    for action in ACTIONS:
        assert f'value="{action}"' not in body
        response = run_action(client, action, meeting)
        assert not response["Content-Type"].startswith("text/csv")
    meeting.refresh_from_db()
    assert meeting.status == "booked" and meeting.changes.count() == 1
    assert not Notification.objects.filter(kind="cancel").exists()


def test_the_export_needs_the_inquiry_export_permission():
    meeting = booked()
    client = staff_client("view_meeting", "change_meeting")
    body = client.get(MEETINGS).content.decode()
    assert 'value="mark_held"' in body and 'value="export_meetings_csv"' not in body
    response = run_action(client, "export_meetings_csv", meeting)
    assert not response["Content-Type"].startswith("text/csv")
    client = staff_client("view_meeting", "export_inquiry", username="vieja")
    response = run_action(client, "export_meetings_csv", meeting)
    assert response["Content-Type"].startswith("text/csv")


def test_the_meetings_csv_opens_in_finnish_excel(admin_client):
    meeting = booked(name="=HYPERLINK(1) Bea")
    response = run_action(admin_client, "export_meetings_csv", meeting)
    assert response["Content-Type"].startswith("text/csv")
    assert "tapaamiset-" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert header == [
        "Viite", "Alkaa", "Päättyy", "Tapaamistyyppi", "Paikka", "Tila",
        "Nimi", "Sähköposti", "Organisaatio",
    ]  # fmt: skip
    start = timezone.localtime(meeting.start)
    assert str(start.tzinfo) == "Europe/Helsinki"
    assert row[0] == meeting.inquiry.reference
    assert row[1] == start.strftime("%d.%m.%Y %H:%M")
    assert row[2] == timezone.localtime(meeting.end).strftime("%d.%m.%Y %H:%M")
    assert row[5] == "Varattu"
    assert row[6] == "'=HYPERLINK(1) Bea"
    assert row[7] == "bea@example.fi"


def test_meetings_are_scheduled_from_the_inquiry_not_added_here(admin_client):
    meeting = booked()
    body = admin_client.get(MEETINGS).content.decode()
    assert "/admin/bookings/meeting/add/" not in body
    assert admin_client.get("/admin/bookings/meeting/add/").status_code == 403
    later = timezone.localtime(meeting.start + timedelta(days=14))
    response = admin_client.post(
        f"/admin/bookings/inquiry/{meeting.inquiry_id}/varaa/",
        {
            "meeting_type": meeting.meeting_type_id,
            "place": meeting.place,
            "date": later.strftime("%Y-%m-%d"),
            "time": later.strftime("%H:%M"),
            "count": 1,
            "every_weeks": 4,
            "_save": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Meeting.objects.filter(inquiry=meeting.inquiry).count() == 2


@pytest.mark.postgres
def test_a_cancelled_meeting_whose_time_is_taken_is_skipped_not_an_error(admin_client):
    cancelled = booked()
    booking.cancel_meeting(meeting=cancelled)
    taken = booked(name="Toinen", email="toinen@example.fi")
    assert taken.start == cancelled.start
    response = run_action(admin_client, "mark_held", cancelled, taken)
    assert response.status_code == 200
    assert "1 tapaamisen tila on nyt Pidetty." in response.content.decode()
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert not cancelled.changes.filter(action=MeetingChange.Action.STATUS).exists()
