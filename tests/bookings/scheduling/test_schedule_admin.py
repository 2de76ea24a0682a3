"""Henna schedules sessions from an inquiry's page: a preview first, then one invitation per
session; an overlap is saved only when she confirms it."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail

from bookings.models import (
    AvailabilityException,
    BusyInterval,
    Inquiry,
    Meeting,
    MeetingType,
    Notification,
)
from bookings.scheduling.meetings import schedule_meetings
from tests.bookings.booking_helpers import booked, first_free
from tests.conftest import verified_client

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def inquiry(db):
    return Inquiry.objects.create(
        kind=Inquiry.Kind.GROUP,
        name="Tiimi Vetäjä",
        email="tiimi@example.fi",
        organisation="Kotkan Tiimi Oy",
        participants=6,
    )


def schedule_url(inquiry) -> str:
    return f"/admin/bookings/inquiry/{inquiry.pk}/varaa/"


def form(**changes) -> dict:
    data = {
        "meeting_type": MeetingType.objects.get(bookable_online=True).pk,
        "place": "kotka",
        "date": "2027-03-16",  # a Tuesday, across the change to summer time on 28.3.
        "time": "14:00",
        "count": "10",
        "every_weeks": "4",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_preview_lists_the_sessions_and_flags_holidays_and_days_off(admin_client, inquiry):
    AvailabilityException.objects.create(
        kind="off", start_date=date(2027, 6, 1), end_date=date(2027, 6, 30), note="kesäloma"
    )
    response = admin_client.post(
        schedule_url(inquiry), form(date="2027-01-05", count="3", every_weeks="1")
    )
    assert response.status_code == 200
    assert Meeting.objects.count() == 0  # nothing saved from a preview
    body = response.content.decode()
    assert "ti 5.1.2027 14.00" in body
    assert "ti 12.1.2027 14.00" in body
    assert "ti 19.1.2027 14.00" in body
    assert 'name="_save"' in body

    flagged = admin_client.post(
        schedule_url(inquiry), form(date="2027-06-01", count="1", every_weeks="1")
    ).content.decode()
    assert "kesäloma" in flagged

    holiday = admin_client.post(
        schedule_url(inquiry), form(date="2027-12-06", count="1", every_weeks="1")
    ).content.decode()
    assert "Itsenäisyyspäivä" in holiday


@pytest.mark.django_db
def test_saving_a_series_books_each_session_at_two_helsinki_time_with_its_own_invitation(
    admin_client, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(schedule_url(inquiry), {**form(), "_save": "1"})
    assert response.status_code == 302
    meetings = list(Meeting.objects.order_by("start"))
    assert len(meetings) == 10
    assert {m.start.astimezone(HELSINKI).hour for m in meetings} == {14}
    assert [m.start.astimezone(UTC).hour for m in meetings[:2]] == [12, 11]
    assert meetings[1].start - meetings[0].start == timedelta(weeks=4, hours=-1)
    assert len({m.uid for m in meetings}) == 10
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.MEETING
    assert all(m.changes.get().changed_by.username == "admin" for m in meetings)
    invitations = Notification.objects.filter(
        kind=Notification.Kind.INVITATION, sent_at__isnull=False
    )
    assert sorted(invitations.values_list("meeting_id", flat=True)) == [m.pk for m in meetings]


@pytest.mark.django_db
def test_an_overlap_is_refused_until_henna_confirms_it(admin_client, inquiry):
    admin_client.post(schedule_url(inquiry), {**form(count="1"), "_save": "1"})
    assert Meeting.objects.count() == 1

    refused = admin_client.post(schedule_url(inquiry), {**form(count="1"), "_save": "1"})
    assert refused.status_code == 200
    assert "menee päällekkäin" in refused.content.decode()
    assert Meeting.objects.count() == 1

    # The page carries the overlaps it showed; ticking the box accepts those.
    seen = re.search(r'name="seen_overlaps" value="([^"]+)"', refused.content.decode()).group(1)
    confirmed = admin_client.post(
        schedule_url(inquiry),
        {**form(count="1"), "_save": "1", "confirm_overlap": "on", "seen_overlaps": seen},
    )
    assert confirmed.status_code == 302
    assert Meeting.objects.count() == 2
    assert Meeting.objects.filter(allow_overlap=True).count() == 1


@pytest.mark.django_db
def test_a_place_the_type_does_not_offer_is_refused_with_a_message(admin_client, inquiry):
    response = admin_client.post(schedule_url(inquiry), {**form(place="phone"), "_save": "1"})
    assert response.status_code == 200
    assert "ei ole tarjolla tässä paikassa" in response.content.decode()
    assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_scheduling_needs_the_permission_to_add_meetings(inquiry):
    viewer = User.objects.create_user("katsoja", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    client = verified_client(viewer)
    assert client.get(schedule_url(inquiry)).status_code == 403
    assert client.post(schedule_url(inquiry), {**form(), "_save": "1"}).status_code == 403
    assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_the_inquiry_page_links_to_scheduling_and_counts_held_sessions(admin_client, inquiry):
    start = datetime(2027, 1, 12, 14, tzinfo=HELSINKI)
    Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=MeetingType.objects.get(bookable_online=True),
        start=start,
        end=start + timedelta(minutes=30),
        place="kotka",
        status=Meeting.Status.HELD,
    )
    body = admin_client.get(f"/admin/bookings/inquiry/{inquiry.pk}/change/").content.decode()
    assert schedule_url(inquiry) in body
    assert "pidettyjä tapaamisia" in body.lower()


@pytest.mark.django_db
def test_each_session_of_a_series_gets_its_own_invitation_which_the_contact_person_forwards(
    admin_client, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(schedule_url(inquiry), {**form(count="3"), "_save": "1"})
    meetings = list(Meeting.objects.order_by("start"))
    # Henna scheduled them herself: the client's invitations go, no notification to her.
    assert [m.to for m in mail.outbox] == [["tiimi@example.fi"]] * 3
    for message, meeting in zip(mail.outbox, meetings, strict=True):
        assert "Välitäthän tämän kutsun ryhmäsi osallistujille" in message.body
        (event,) = parsed_invitation(message).walk("VEVENT")
        assert str(event["UID"]) == meeting.uid
        assert event["DTSTART"].dt == meeting.start
        assert event["DTSTART"].dt.astimezone(HELSINKI).hour == 14
    assert len({str(parsed_invitation(m).walk("VEVENT")[0]["UID"]) for m in mail.outbox}) == 3


def parsed_invitation(message) -> icalendar.Calendar:
    (content,) = [a[1] for a in message.attachments if a[0] == "invite.ics"]
    return icalendar.Calendar.from_ical(content)


@pytest.mark.django_db
def test_a_confirmed_overlap_covers_only_the_overlaps_henna_saw(admin_client, admin_user, inquiry):
    """The preview shows the second session over meeting X; Henna ticks "Hyväksyn
    päällekkäisyyden" for that. Before she saves, a client books the first session's time on
    the booking page. Saving must not put the first session over the client without showing
    her (it did: the tick accepted any overlap found at saving time)."""
    meeting_type = MeetingType.objects.get(bookable_online=True)
    first = first_free(meeting_type)
    second = first + timedelta(weeks=1)
    seen = schedule_meetings(
        inquiry=Inquiry.objects.create(kind="individual", name="X", email="x@example.fi"),
        meeting_type=meeting_type,
        place="kotka",
        sessions=[(second, second + meeting_type.duration)],
        user=admin_user,
    )[0]
    local = first.astimezone(HELSINKI)
    data = form(
        date=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"), count="2", every_weeks="1"
    )
    preview = admin_client.post(schedule_url(inquiry), data).content.decode()
    assert seen.inquiry.reference in preview
    newcomer = booked(name="Asiakas", email="asiakas@example.fi")
    assert newcomer.start == first
    response = admin_client.post(
        schedule_url(inquiry), {**data, "confirm_overlap": "on", "_save": "1"}
    )
    assert response.status_code == 200
    assert newcomer.inquiry.reference in response.content.decode()
    assert Meeting.objects.active().filter(start=first).count() == 1


@pytest.mark.django_db
def test_the_preview_flags_a_busy_time_within_a_sessions_break(admin_client, inquiry):
    """A busy time of Henna's own calendar in the 15 minutes after the session: the booking
    page does not offer that start (the break counts), so the preview points it out too."""
    meeting_type = MeetingType.objects.get(bookable_online=True)
    meeting_type.buffer_after_minutes = 15
    meeting_type.save()
    start = first_free(meeting_type)
    BusyInterval.objects.create(
        start=start + timedelta(minutes=40), end=start + timedelta(minutes=60)
    )
    assert first_free(meeting_type) != start
    local = start.astimezone(HELSINKI)
    body = admin_client.post(
        schedule_url(inquiry),
        form(date=local.strftime("%Y-%m-%d"), time=local.strftime("%H:%M"), count="1"),
    ).content.decode()
    assert "<strong>Oma kalenteri:</strong>" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "at", "count", "every"),
    [
        ("0001-01-01", "00:30", "1", "4"),
        ("9999-01-05", "14:00", "3", "52"),
        ("9999-12-20", "14:00", "2", "52"),
        ("9999-12-31", "23:59", "1", "1"),
        ("1999-12-31", "10:00", "1", "1"),
    ],
)
def test_a_date_out_of_range_gets_a_message_not_an_error_page(
    admin_client, inquiry, day, at, count, every
):
    response = admin_client.post(
        schedule_url(inquiry), form(date=day, time=at, count=count, every_weeks=every)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Meeting.objects.count() == 0


@pytest.mark.django_db
def test_a_link_set_on_the_schedule_page_goes_with_every_remote_session(
    admin_client, inquiry, django_capture_on_commit_callbacks
):
    link = "https://video.example.fi/j/tiimi-kotka"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            schedule_url(inquiry),
            form(place="remote", count="2", video_link=link, _save="1"),
        )
    assert response.status_code == 302
    assert list(Meeting.objects.values_list("video_link", flat=True)) == [link, link]
    invitations = [m for m in mail.outbox if m.to == ["tiimi@example.fi"]]
    assert len(invitations) == 2
    assert all(f"Videoyhteys: {link}" in m.body for m in invitations)
    bad = admin_client.post(schedule_url(inquiry), form(place="remote", video_link="ei linkki"))
    assert "video_link" in bad.context["form"].errors


@pytest.mark.django_db
def test_a_fresh_site_has_the_usual_kinds_of_session_for_a_team_series(admin_client, inquiry):
    usual = {
        t.name_fi: (t.name_en, t.duration_minutes, t.bookable_online)
        for t in MeetingType.objects.exclude(bookable_online=True)
    }
    assert usual == {
        "Yksilötyönohjaus": ("Individual supervision", 60, False),
        "Ryhmätyönohjaus": ("Group supervision", 90, False),
        "Työyhteisön työnohjaus": ("Work community supervision", 120, False),
    }
    group = MeetingType.objects.get(name_fi="Ryhmätyönohjaus")
    page = admin_client.get(schedule_url(inquiry)).content.decode()
    assert f'<option value="{group.pk}" selected>Ryhmätyönohjaus</option>' in page
    body = admin_client.post(
        schedule_url(inquiry),
        form(meeting_type=group.pk, date="2027-01-12", count="10", every_weeks="3"),
    ).content.decode()
    assert "Ryhmätyönohjaus: jokainen tapaaminen kestää 90 min." in body
    assert "ti 12.1.2027 14.00–15.30" in body
    assert "ti 20.7.2027 14.00–15.30" in body  # the tenth session
