"""Henna's side of booking in the admin: meeting types, hours and exceptions, a booking in her
queue with its time as a column and filter, meetings moved and cancelled with their history.

The meeting list's actions: Henna marks meetings held, not attended or cancelled late (each
with its history, a late cancellation with the client's email) and takes them to Excel; a user
who may only look gets none of it. Meetings are scheduled from the inquiry, not added here."""

import csv
import io
import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.utils import timezone

from bookings.models import (
    AvailabilityException,
    BusyInterval,
    Inquiry,
    Meeting,
    MeetingChange,
    MeetingType,
    Notification,
    WeeklyHours,
)
from bookings.scheduling import meetings
from tests.bookings.booking_helpers import booked, first_free, started
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

QUEUE = "/admin/bookings/inquiry/"


def test_every_booking_page_opens_for_henna(admin_client):
    meeting = booked()
    for url in (
        "/admin/bookings/meetingtype/",
        f"/admin/bookings/meetingtype/{meeting.meeting_type_id}/change/",
        "/admin/bookings/weeklyhours/",
        "/admin/bookings/availabilityexception/",
        "/admin/bookings/availabilityexception/add/",
        "/admin/bookings/meeting/",
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        f"/admin/bookings/inquiry/{meeting.inquiry_id}/varaa/",
        f"/admin/bookings/inquiry/{meeting.inquiry_id}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_the_queue_shows_a_bookings_time_and_filters_by_it(admin_client):
    meeting = booked()
    services_inquiry = Inquiry.objects.create(kind="individual", name="Ilkka Ilman", email="i@x.fi")
    body = admin_client.get(QUEUE).content.decode()
    assert "Bea Booker" in body and "Ilkka Ilman" in body
    assert timezone.localtime(meeting.start).strftime("%d.%m.%Y %H.%M") in body
    assert "Tapaaminen sovittu" in body
    upcoming = admin_client.get(QUEUE, {"meeting": "upcoming"}).content.decode()
    assert "Bea Booker" in upcoming and "Ilkka Ilman" not in upcoming
    none = admin_client.get(QUEUE, {"meeting": "none"}).content.decode()
    assert "Bea Booker" not in none and services_inquiry.name in none


def test_the_inquiry_page_shows_its_meeting(admin_client):
    meeting = booked()
    body = admin_client.get(f"/admin/bookings/inquiry/{meeting.inquiry_id}/change/").content
    body = body.decode()
    assert f"/admin/bookings/meeting/{meeting.pk}/change/" in body
    assert "Etänä (videoyhteys)" in body


def meeting_form(meeting, **changes) -> dict:
    local = timezone.localtime(meeting.start)
    data = {
        "inquiry": meeting.inquiry_id,
        "meeting_type": meeting.meeting_type_id,
        "start_0": local.strftime("%d.%m.%Y"),
        "start_1": local.strftime("%H:%M:%S"),
        "place": meeting.place,
        "status": meeting.status,
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
        # Henna has seen the page that says who gets an email (tested on its own).
        "_confirm_emails": "yes",
    }
    history = list(meeting.changes.values_list("pk", flat=True))
    data["changes-TOTAL_FORMS"] = data["changes-INITIAL_FORMS"] = str(len(history))
    for index, pk in enumerate(history):
        data[f"changes-{index}-id"] = pk
        data[f"changes-{index}-meeting"] = meeting.pk
    data.update(changes)
    return data


def test_henna_moves_a_meeting_with_its_history_and_a_new_invitation(admin_client, admin_user):
    meeting = booked()
    new_start = timezone.localtime(meeting.start + timedelta(days=7, hours=1))
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(
            meeting, start_0=new_start.strftime("%d.%m.%Y"), start_1=new_start.strftime("%H:%M:%S")
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert meeting.start == new_start
    assert meeting.sequence == 1
    moved = meeting.changes.get(action=MeetingChange.Action.MOVED)
    assert moved.changed_by == admin_user and not moved.by_client
    assert Notification.objects.filter(meeting=meeting, kind="invite", sequence=1).exists()
    history = admin_client.get(f"/admin/bookings/meeting/{meeting.pk}/change/").content.decode()
    assert "Siirretty" in history and admin_user.username in history


def test_henna_cancels_a_meeting_and_the_client_gets_the_cancellation(admin_client, admin_user):
    meeting = booked()
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(meeting, status="late_cancelled"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "late_cancelled" and meeting.sequence == 1
    assert meeting.changes.get(action="cancelled").changed_by == admin_user
    assert Notification.objects.filter(meeting=meeting, kind="cancel", sequence=1).exists()


def test_an_overlapping_meeting_in_the_admin_gets_a_message_not_an_error_page(admin_client):
    meeting = booked()
    other = booked(name="Toinen", email="toinen@example.fi", skip=3)
    response = admin_client.post(
        f"/admin/bookings/meeting/{other.pk}/change/",
        meeting_form(
            other,
            start_0=timezone.localtime(meeting.start).strftime("%d.%m.%Y"),
            start_1=timezone.localtime(meeting.start + timedelta(minutes=10)).strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 200
    assert "menee päällekkäin" in response.content.decode()
    other.refresh_from_db()
    assert other.sequence == 0


def test_moving_onto_a_meeting_whose_overlap_henna_allowed_gets_a_message_too(admin_client):
    meeting = booked()
    Meeting.objects.filter(pk=meeting.pk).update(allow_overlap=True)
    other = booked(name="Toinen", email="toinen@example.fi", skip=3)
    response = admin_client.post(
        f"/admin/bookings/meeting/{other.pk}/change/",
        meeting_form(
            other,
            start_0=timezone.localtime(meeting.start).strftime("%d.%m.%Y"),
            start_1=timezone.localtime(meeting.start).strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 200
    assert "menee päällekkäin" in response.content.decode()
    other.refresh_from_db()
    assert other.sequence == 0


def test_meetings_are_not_deleted_in_the_admin(admin_client):
    meeting = booked()
    response = admin_client.post(f"/admin/bookings/meeting/{meeting.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_an_exception_with_bad_times_gets_a_finnish_message(admin_client):
    response = admin_client.post(
        "/admin/bookings/availabilityexception/add/",
        {"kind": "extra", "start_date": "12.01.2027", "start_time": "16:00", "end_time": "10:00"},
    )
    assert response.status_code == 200
    assert "Lisäajan pitää päättyä alkamisen jälkeen" in response.content.decode()
    assert not AvailabilityException.objects.exists()


def test_a_day_off_in_the_admin_takes_its_times_off_the_booking_page(
    admin_client, django_capture_on_commit_callbacks
):
    meeting_type = MeetingType.objects.get(bookable_online=True)
    first = timezone.localtime(first_free(meeting_type)).date()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/bookings/availabilityexception/add/",
            {"kind": "off", "start_date": first.strftime("%d.%m.%Y"), "note": "Koulutus"},
        )
    assert response.status_code == 302
    assert timezone.localtime(first_free(meeting_type)).date() != first


def test_weekly_hours_are_edited_in_the_admin(admin_client):
    hours = WeeklyHours.objects.first()
    response = admin_client.post(
        f"/admin/bookings/weeklyhours/{hours.pk}/change/",
        {"weekday": 0, "start_time": "12:00", "end_time": "10:00"},
    )
    assert response.status_code == 200  # end before start: the database's check, as a message
    hours.refresh_from_db()
    assert hours.start_time == time(9)


def test_a_staff_user_without_permissions_cannot_open_or_change_meetings():
    meeting = booked()
    user = User.objects.create_user("assistentti", password="x", is_staff=True)
    client = verified_client(user)
    assert client.get("/admin/bookings/meeting/").status_code == 403
    assert (
        client.post(
            f"/admin/bookings/meeting/{meeting.pk}/change/",
            meeting_form(meeting, status="cancelled"),
        ).status_code
        == 403
    )
    user.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client = verified_client(User.objects.get(pk=user.pk))
    assert client.get(f"/admin/bookings/meeting/{meeting.pk}/change/").status_code == 200
    client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, status="cancelled")
    )
    meeting.refresh_from_db()
    assert meeting.status == "booked"


MEETINGS = "/admin/bookings/meeting/"
ACTIONS = ("mark_held", "mark_no_show", "mark_late_cancelled", "export_meetings_csv")


def run_action(client, action, *meetings, confirmed=True):
    data = {"action": action, "_selected_action": [meeting.pk for meeting in meetings]}
    if confirmed:  # the page that says who gets an email, seen (tested on its own)
        data["_confirm_emails"] = "yes"
    # From the list of all meetings (the list opens on upcoming ones; the filter is kept).
    return client.post(MEETINGS + "?when=all", data, follow=True)


def staff_client(*codenames: str, username="avustaja"):
    user = User.objects.create_user(username, password="x" * 16, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="bookings", codename__in=codenames)
    )
    return verified_client(user)


def test_henna_marks_meetings_held_and_not_attended_with_their_history(admin_client, admin_user):
    held, missed = booked(), booked(name="Toinen", email="toinen@example.fi", skip=3)
    started(held, missed)
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
    meetings.cancel_meeting(meeting=already, user=admin_user)
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
    started(meeting)
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
    assert meeting.status == "booked" and meeting.changes.count() == 2  # booked, confirmed
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


@pytest.mark.parametrize(
    ("action", "status"), [("mark_held", "Pidetty"), ("mark_no_show", "Ei saapunut")]
)
def test_a_cancelled_meeting_whose_time_is_taken_is_refused_with_the_reason(
    admin_client, action, status
):
    # A client books T; Henna cancels it; another client books T; Henna marks the first one.
    cancelled = booked()
    admin_client.post(
        f"/admin/bookings/meeting/{cancelled.pk}/change/",
        meeting_form(cancelled, status="cancelled"),
    )
    taken = booked(name="Toinen", email="toinen@example.fi")
    assert taken.start == cancelled.start
    started(cancelled, taken)
    response = run_action(admin_client, action, cancelled, taken)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"1 tapaamisen tila on nyt {status}." in body
    # The refused one is named, with the reason and the meeting in the way.
    reference, other = cancelled.inquiry.reference, taken.inquiry.reference
    assert "Tapaamista Tutustumistapaaminen" in body and f"({reference}) ei merkitty" in body
    assert "menee päällekkäin tapaamisen Tutustumistapaaminen" in body and f"({other})" in body
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert not cancelled.changes.filter(action=MeetingChange.Action.STATUS).exists()
    assert Meeting.objects.active().filter(start=taken.start).count() == 1


def test_only_refusals_give_no_count_of_zero(admin_client):
    cancelled = booked()
    meetings.cancel_meeting(meeting=cancelled)
    booked(name="Toinen", email="toinen@example.fi")
    body = run_action(admin_client, "mark_held", cancelled).content.decode()
    assert "ei merkitty" in body and "0 tapaamisen tila" not in body


def test_the_change_form_refuses_to_give_a_cancelled_meeting_back_a_taken_time(admin_client):
    cancelled = booked()
    meetings.cancel_meeting(meeting=cancelled)
    taken = booked(name="Toinen", email="toinen@example.fi")
    started(cancelled, taken)
    for status in ("held", "booked", "no_show"):
        response = admin_client.post(
            f"/admin/bookings/meeting/{cancelled.pk}/change/",
            meeting_form(cancelled, status=status),
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "menee päällekkäin tapaamisen" in body and taken.inquiry.reference in body
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.sequence) == ("cancelled", 1)
    assert Meeting.objects.active().filter(start=taken.start).count() == 1


def test_a_cancelled_meeting_whose_time_is_free_comes_back_with_a_new_invitation(
    admin_client, admin_user
):
    meeting = booked()
    meetings.cancel_meeting(meeting=meeting)
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, status="booked")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("booked", 2)
    assert meeting.changes.get(action=MeetingChange.Action.STATUS).changed_by == admin_user
    assert Notification.objects.filter(meeting=meeting, kind="invite", sequence=2).exists()


def test_a_new_type_or_place_in_the_change_form_sends_an_updated_invitation(admin_client):
    meeting = booked()
    longer = MeetingType.objects.create(
        name="Yksilötyönohjaus", duration_minutes=60, in_kotka=True, remote=True
    )
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(meeting, meeting_type=longer.pk, place="kotka"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert (meeting.meeting_type, meeting.place, meeting.sequence) == (longer, "kotka", 1)
    assert meeting.end == meeting.start + timedelta(minutes=60)
    assert meeting.blocked_until == meeting.end
    change = meeting.changes.get(action=MeetingChange.Action.CHANGED)
    assert change.changed_by is not None
    assert Notification.objects.filter(meeting=meeting, kind="invite", sequence=1).exists()


def test_a_place_the_type_does_not_allow_is_refused_on_its_field(admin_client):
    meeting = booked()
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, place="phone")
    )
    assert response.status_code == 200
    assert "ei salli valittua paikkaa" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.place, meeting.sequence) == ("remote", 0)


def test_the_client_of_a_meeting_cannot_be_changed_in_its_form(admin_client):
    meeting = booked()
    other = booked(name="Toinen", email="toinen@example.fi", skip=3)
    admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(meeting, inquiry=other.inquiry_id),
    )
    meeting.refresh_from_db()
    assert meeting.inquiry_id != other.inquiry_id


def messages_in(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_meeting_at_a_place_its_type_no_longer_offers_can_still_be_marked_held(admin_client):
    """Henna stops offering remote meetings of a type; the remote meetings booked before stay
    what they were, and marking one held or not attended must not ask her to change its place."""
    meeting = booked()
    started(meeting)
    meeting.meeting_type.remote = False
    meeting.meeting_type.save()
    response = run_action(admin_client, "mark_held", meeting)
    assert messages_in(response) == ["1 tapaamisen tila on nyt Pidetty."]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.place) == ("held", "remote")


def opened_form(admin_client, meeting, **changes) -> dict:
    """The change form as Henna's browser holds it from the moment she opened it: the fields
    meeting_form fills in, and whatever hidden field the page carries, as it was then."""
    form = (
        admin_client.get(f"/admin/bookings/meeting/{meeting.pk}/change/").context["adminform"].form
    )
    data = meeting_form(meeting, **changes)
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            data.setdefault(form.add_prefix(name), form[name].value())
    return data


def test_a_change_form_opened_before_the_client_cancelled_does_not_bring_the_meeting_back(
    admin_client, client
):
    """Henna opens the meeting and changes its place; meanwhile the client cancels through
    their link; Henna saves. The client's cancellation stands: the form changes what Henna
    changed, not the status she never touched (it reactivated the meeting and sent the client,
    who had just cancelled, a new invitation)."""
    meeting = booked()
    opened = opened_form(admin_client, meeting, place="kotka")
    assert client.post(f"/ajanvaraus/{meeting.manage_token}/peru/").status_code == 302
    admin_client.post(f"/admin/bookings/meeting/{meeting.pk}/change/", opened)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert not Notification.objects.filter(meeting=meeting, kind="invite", sequence__gt=1).exists()


def test_a_change_form_opened_before_the_client_moved_does_not_move_the_meeting_back(
    admin_client, client
):
    meeting = booked()
    opened = opened_form(admin_client, meeting, place="kotka")
    new_start = first_free(meeting.meeting_type, skip=4)
    response = client.post(
        f"/ajanvaraus/{meeting.manage_token}/",
        {"action": "move", "slot": timezone.localtime(new_start).isoformat()},
    )
    assert response.status_code == 302
    admin_client.post(f"/admin/bookings/meeting/{meeting.pk}/change/", opened)
    meeting.refresh_from_db()
    assert meeting.start == new_start  # where the client moved it, not back where it was


def test_marking_a_meeting_held_keeps_the_length_it_was_booked_with(admin_client):
    """Henna makes the type longer for future bookings; marking an existing meeting held must
    not lengthen it, record a move nor send its client an updated invitation."""
    meeting = booked()
    started(meeting)
    booked_end = meeting.end
    meeting.meeting_type.duration_minutes = 45
    meeting.meeting_type.save()
    response = run_action(admin_client, "mark_held", meeting)
    assert messages_in(response) == ["1 tapaamisen tila on nyt Pidetty."]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.end, meeting.sequence) == ("held", booked_end, 0)
    assert not meeting.changes.filter(action=MeetingChange.Action.MOVED).exists()
    assert list(
        Notification.objects.filter(meeting=meeting, kind="invite").values_list(
            "sequence", flat=True
        )
    ) == [0]


def test_a_longer_buffer_on_the_type_does_not_block_marking_back_to_back_meetings(
    admin_client, admin_user
):
    """Two meetings back to back; Henna then gives the type a 15-minute break after each
    meeting, for bookings to come. Marking the first one held works on every database and
    leaves no two active meetings overlapping. (PostgreSQL refused it as an overlap, with no
    meeting named; SQLite saved the first one's time grown over the second's.)"""
    first = booked()
    second = meetings.schedule_meetings(
        inquiry=Inquiry.objects.create(kind="individual", name="Toinen", email="t@example.fi"),
        meeting_type=first.meeting_type,
        place="remote",
        sessions=[(first.end, first.end + first.meeting_type.duration)],
        user=admin_user,
    )[0]
    started(first, second)
    first.meeting_type.buffer_after_minutes = 15
    first.meeting_type.save()
    response = run_action(admin_client, "mark_held", first)
    assert messages_in(response) == ["1 tapaamisen tila on nyt Pidetty."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "held"
    assert first.blocked_until <= second.blocked_from


def test_an_accepted_overlap_does_not_let_a_cancelled_meeting_take_back_a_clients_time(
    admin_client, admin_user, client
):
    """Henna scheduled a meeting over a client's booking and accepted the overlap; both were
    later cancelled and a new client booked the time. Marking Henna's meeting held must not
    double-book the new client: the overlap she accepted was with another meeting."""
    first = booked()
    accepted = meetings.schedule_meetings(
        inquiry=Inquiry.objects.create(kind="individual", name="Tiimi", email="t@example.fi"),
        meeting_type=first.meeting_type,
        place="remote",
        sessions=[(first.start, first.end)],
        allow_overlap=True,
        user=admin_user,
    )[0]
    client.post(f"/ajanvaraus/{first.manage_token}/peru/")
    meetings.set_meeting_status(meeting=accepted, status="cancelled", user=admin_user)
    newcomer = booked(name="Uusi", email="uusi@example.fi")
    assert newcomer.start == accepted.start
    started(accepted, newcomer)
    body = run_action(admin_client, "mark_held", accepted).content.decode()
    assert "ei merkitty" in body and newcomer.inquiry.reference in body
    assert Meeting.objects.active().filter(start=newcomer.start).count() == 1


def test_editing_a_cancelled_meeting_sends_no_second_cancellation(admin_client, client):
    """A cancelled meeting is gone from the client's calendar: Henna correcting its place (or
    time) afterwards changes nothing there, and must not email the client "cancelled" again."""
    meeting = booked()
    client.post(f"/ajanvaraus/{meeting.manage_token}/peru/")
    meeting.refresh_from_db()
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, place="kotka")
    )
    assert response.status_code == 302
    assert Notification.objects.filter(meeting=meeting, kind="cancel").count() == 1


@pytest.mark.parametrize(
    ("day", "at"),
    [
        ("31.12.9999", "23:50:00"),
        ("31.12.9999", "23:59"),
        ("01.01.0001", "00:10:00"),
        ("01.01.2101", "10:00"),
    ],
)
def test_a_time_out_of_range_in_the_change_form_gets_a_message_not_an_error_page(
    admin_client, day, at
):
    meeting = booked()
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(meeting, start_0=day, start_1=at),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert meeting.sequence == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_write_gets_between_the_change_forms_check_and_its_save(
    site_content, admin_user, monkeypatch
):
    """The change form checks the change (a dry run) and then saves it, in the admin's one
    transaction. A client booking the same time in between must wait for Henna's save and
    then hear "taken"; Henna's change, which the form accepted, is saved. (The dry run's
    rollback to its savepoint released PostgreSQL's advisory lock with it: the client got the
    time, and Henna's accepted change came back refused, on a redirect that dropped the form.)"""
    admin_client = verified_client(admin_user)
    meeting = booked()
    target = first_free(meeting.meeting_type, skip=5)
    outcome = {}

    def a_client_books_the_same_time():
        try:
            outcome["client"] = meetings.book_meeting(
                submission_id=None,
                meeting_type=meeting.meeting_type,
                start=target,
                place="remote",
                name="Kilpailija",
                email="kilpailija@example.fi",
                language="fi",
            )[0].pk
        except meetings.MeetingRefused as refused:
            outcome["client"] = refused.code
        finally:
            connection.close()

    change_meeting = meetings.change_meeting

    def check_then_let_a_client_in(**kwargs):
        changed = change_meeting(**kwargs)
        if kwargs.get("dry_run"):
            outcome["thread"] = threading.Thread(target=a_client_books_the_same_time)
            outcome["thread"].start()
            outcome["thread"].join(timeout=5)  # waits the 5 s only if the lock holds it off
        return changed

    monkeypatch.setattr(meetings, "change_meeting", check_then_let_a_client_in)
    local = timezone.localtime(target)
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/",
        meeting_form(
            meeting, start_0=local.strftime("%d.%m.%Y"), start_1=local.strftime("%H:%M:%S")
        ),
    )
    outcome["thread"].join(timeout=60)
    assert response.status_code == 302
    assert response["Location"] == MEETINGS
    meeting.refresh_from_db()
    assert meeting.start == target
    assert outcome["client"] == meetings.TAKEN
    assert Meeting.objects.active().filter(start=target).count() == 1


def test_henna_sets_a_meetings_own_link_and_the_client_gets_the_new_version(
    admin_client, admin_user
):
    meeting = booked()  # remote
    link = "https://video.example.fi/j/bea"
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, video_link=link)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert (meeting.video_link, meeting.remote_link, meeting.sequence) == (link, link, 1)
    assert meeting.changes.filter(action=MeetingChange.Action.CHANGED).exists()
    assert Notification.objects.filter(meeting=meeting, kind="invite", sequence=1).exists()
    page = admin_client.get(f"/admin/bookings/meeting/{meeting.pk}/change/").content.decode()
    assert 'name="video_link"' in page and link in page


def test_a_late_cancellation_asks_first_who_gets_the_email(admin_client):
    meeting = booked()
    response = run_action(admin_client, "mark_late_cancelled", meeting, confirmed=False)
    body = response.content.decode()
    assert "Lähetetäänkö asiakkaille sähköposti?" in body
    assert "Bea Booker &lt;bea@example.fi&gt;: peruutus (kalenterikutsun poisto)" in body
    assert meeting.inquiry.reference in body
    meeting.refresh_from_db()
    assert meeting.status == "booked"
    assert not Notification.objects.filter(meeting=meeting, kind="cancel").exists()
    # The page's own button: the same selection, confirmed.
    data = {"action": "mark_late_cancelled", "_selected_action": [meeting.pk]}
    assert 'name="_confirm_emails" value="yes"' in body
    admin_client.post(MEETINGS + "?when=all", {**data, "_confirm_emails": "yes"})
    meeting.refresh_from_db()
    assert meeting.status == "late_cancelled"
    assert Notification.objects.filter(meeting=meeting, kind="cancel").count() == 1


def test_a_move_in_the_change_form_asks_first_and_sends_nothing_until_confirmed(admin_client):
    meeting = booked()
    booking_emails = Notification.objects.filter(meeting=meeting).count()
    new_start = timezone.localtime(meeting.start + timedelta(days=7, hours=1))
    form = meeting_form(
        meeting, start_0=new_start.strftime("%d.%m.%Y"), start_1=new_start.strftime("%H:%M:%S")
    )
    del form["_confirm_emails"]
    url = f"/admin/bookings/meeting/{meeting.pk}/change/"
    response = admin_client.post(url, form)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kun tallennat muutoksen, asiakkaalle lähtee sähköposti heti:" in body
    assert "Bea Booker &lt;bea@example.fi&gt;: päivitetty kalenterikutsu" in body
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    assert Notification.objects.filter(meeting=meeting).count() == booking_emails  # no new one
    # The page carries what was typed, and its button saves it.
    assert f'name="start_0" value="{new_start:%d.%m.%Y}"' in body
    assert admin_client.post(url, {**form, "_confirm_emails": "yes"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (new_start, 1)


def test_a_change_that_emails_nobody_saves_without_asking(admin_client):
    meeting = booked()
    started(meeting)
    form = meeting_form(meeting, status="held")
    del form["_confirm_emails"]
    response = admin_client.post(f"/admin/bookings/meeting/{meeting.pk}/change/", form)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_a_meeting_to_come_cannot_be_marked_held_or_not_attended(admin_client, admin_user):
    meeting = booked()
    history = meeting.changes.count()  # Booked and confirmed.
    for action in ("mark_held", "mark_no_show"):
        body = run_action(admin_client, action, meeting).content.decode()
        assert "vasta, kun se on alkanut" in body
    response = admin_client.post(
        f"/admin/bookings/meeting/{meeting.pk}/change/", meeting_form(meeting, status="held")
    )
    assert "vasta, kun se on alkanut" in response.content.decode()
    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.set_meeting_status(meeting=meeting, status="no_show", user=admin_user)
    assert refused.value.code == meetings.NOT_STARTED
    meeting.refresh_from_db()
    assert (meeting.status, meeting.changes.count()) == ("booked", history)
    # From its start on, it can.
    meetings.set_meeting_status(meeting=meeting, status="held", user=admin_user, now=meeting.start)
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_a_move_onto_a_holiday_a_day_off_or_a_busy_time_is_pointed_out(admin_client):
    meeting = booked()
    url = f"/admin/bookings/meeting/{meeting.pk}/change/"

    def warnings_for_move(day, hour) -> str:
        form = meeting_form(meeting, start_0=day, start_1=f"{hour}:00:00")
        del form["_confirm_emails"]
        body = admin_client.post(url, form).content.decode()
        assert "Kun tallennat muutoksen" in body, body[:3000]
        return " ".join(re.findall(r'<li class="warning">(.*?)</li>', body))

    assert warnings_for_move("06.01.2027", 10) == "6.1.2027 on arkipyhä: Loppiainen."
    AvailabilityException.objects.create(kind="off", start_date=date(2027, 1, 12), note="Koulutus")
    assert (
        warnings_for_move("12.01.2027", 10)
        == "Olet merkinnyt päivän 12.1.2027 vapaaksi (Koulutus)."
    )
    BusyInterval.objects.create(
        start=timezone.make_aware(datetime(2027, 1, 13, 9)),
        end=timezone.make_aware(datetime(2027, 1, 13, 11)),
    )
    assert warnings_for_move("13.01.2027", 10) == "Omassa kalenterissasi on tuolloin varattu aika."
    assert warnings_for_move("14.01.2027", 10) == ""
    meeting.refresh_from_db()
    assert meeting.sequence == 0, "nothing saved before the confirmation"


def test_a_new_day_off_lists_the_meetings_it_touches(admin_client):
    meeting = booked()
    day = timezone.localtime(meeting.start).date()
    response = admin_client.post(
        "/admin/bookings/availabilityexception/add/",
        {"kind": "off", "start_date": day.strftime("%d.%m.%Y"), "note": "Sairas"},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    warning = next(m for m in shown if m.startswith("Vapaalle osuu"))
    assert warning.startswith("Vapaalle osuu 1 tapaaminen: Bea Booker: Tutustumistapaaminen")
    assert meeting.inquiry.reference in warning
    exception = AvailabilityException.objects.get()
    page = admin_client.get(
        f"/admin/bookings/availabilityexception/{exception.pk}/change/"
    ).content.decode()
    assert f'href="/admin/bookings/meeting/{meeting.pk}/change/"' in page


def test_the_meeting_page_names_the_client_and_speaks_plainly(admin_client):
    meeting = booked()
    page = admin_client.get(f"/admin/bookings/meeting/{meeting.pk}/change/").content.decode()
    inquiry_url = f"/admin/bookings/inquiry/{meeting.inquiry_id}/change/"
    assert f'<a href="{inquiry_url}">Bea Booker</a>' in page
    assert 'name="inquiry"' not in page
    assert "delete_id_meeting_type" not in page and "add_id_meeting_type" not in page
    assert "SEQUENCE" not in page and meeting.uid not in page
    assert "Henna on hyväksynyt" not in page
    local = timezone.localtime(meeting.start)
    assert f'name="start_1" value="{local:%H.%M}"' in page


def test_the_meeting_list_starts_with_the_next_meetings_and_filters_the_next_week(
    admin_client, admin_user
):
    today = timezone.localdate()

    def scheduled(name, days, hour=10):
        start = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(hour)))
        return meetings.schedule_meetings(
            inquiry=Inquiry.objects.create(kind="individual", name=name, email="x@example.fi"),
            meeting_type=MeetingType.objects.get(bookable_online=True),
            place="remote",
            sessions=[(start, start + timedelta(minutes=30))],
            user=admin_user,
        )[0]

    scheduled("Myöhempi", 30)
    scheduled("Pian", 2)
    scheduled("Mennyt", -3)

    def names(query="") -> list[str]:
        body = admin_client.get(MEETINGS + query).content.decode()
        return re.findall(r'<td class="field-client">([^<]+)</td>', body)

    assert names() == ["Pian", "Myöhempi"]
    assert names("?when=week") == ["Pian"]
    assert names("?when=past") == ["Mennyt"]
    assert names("?when=all") == ["Mennyt", "Pian", "Myöhempi"]
    body = admin_client.get(MEETINGS).content.decode()
    assert "Tulevat" in body and "Seuraavat 7 päivää" in body


def test_the_confirmation_and_the_refusal_speak_english_under_en(admin_client):
    meeting = booked()
    data = {"action": "mark_late_cancelled", "_selected_action": [meeting.pk]}
    body = admin_client.post("/en" + MEETINGS + "?when=all", data).content.decode()
    assert "Send the clients an email?" in body
    assert "Bea Booker &lt;bea@example.fi&gt;: a cancellation" in body
    assert "Yes, mark and send" in body
    data["action"] = "mark_held"
    body = admin_client.post("/en" + MEETINGS + "?when=all", data, follow=True).content.decode()
    assert "can be marked held or not attended only once it has started" in body
    listing = admin_client.get("/en" + MEETINGS).content.decode()
    assert "Upcoming" in listing and "Next 7 days" in listing
