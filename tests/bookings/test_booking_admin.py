"""Henna's side of booking in the admin: meeting types, hours and exceptions, a booking in her
queue with its time as a column and filter, meetings moved and cancelled with their history."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from bookings.models import (
    AvailabilityException,
    Inquiry,
    Meeting,
    MeetingChange,
    MeetingType,
    Notification,
    WeeklyHours,
)
from tests.bookings.booking_helpers import booked, first_free
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
        "changes-TOTAL_FORMS": "1",
        "changes-INITIAL_FORMS": "1",
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
        "changes-0-id": meeting.changes.get().pk,
        "changes-0-meeting": meeting.pk,
    }
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
    meeting_type = MeetingType.objects.get()
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
