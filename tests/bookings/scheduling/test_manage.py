"""The client's own page behind the link in their email: cancel, move, and after the cutoff
Henna's phone and email instead; a wrong link gets a clear not-found page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Meeting, MeetingChange, Notification
from bookings.scheduling import meetings
from services.models import Practice
from tests.bookings.booking_helpers import BOOKING_URL, as_instant, confirm_holds, offered_slots

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(client, clock, django_capture_on_commit_callbacks):
    """A meeting booked through the page, at the first free time."""
    from tests.bookings.booking_helpers import booking_data, page_token

    body = client.get(BOOKING_URL).content.decode()
    clock.advance(60)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BOOKING_URL, booking_data(page_token(body), offered_slots(body)[0]))
        confirm_holds()
    return Meeting.objects.select_related("meeting_type", "inquiry").get()


def manage_url(meeting) -> str:
    return f"/ajanvaraus/{meeting.manage_token}/"


def cancel_url(meeting) -> str:
    return f"/ajanvaraus/{meeting.manage_token}/peru/"


def test_the_manage_page_shows_the_meeting_and_both_actions(client, meeting):
    body = client.get(manage_url(meeting)).content.decode()
    assert meeting.inquiry.reference in body
    assert 'id="move-form"' in body and f'href="{cancel_url(meeting)}"' in body
    assert offered_slots(body)
    # Its own time is not offered as a place to move to, nor accepted.
    own = meeting.start.astimezone(timezone.get_current_timezone()).isoformat()
    assert own not in offered_slots(body)
    assert client.post(manage_url(meeting), {"action": "move", "slot": own}).status_code == 400


def test_cancelling_frees_the_time_at_once_and_queues_the_cancellation(
    client, meeting, django_capture_on_commit_callbacks
):
    slot = meeting.start.astimezone(timezone.get_current_timezone()).isoformat()
    assert slot not in offered_slots(client.get(BOOKING_URL).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url(meeting))
    assert response.status_code == 302
    assert response["Location"] == manage_url(meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.sequence == 1
    change = meeting.changes.get(action=MeetingChange.Action.CANCELLED)
    assert change.by_client and change.new_status == "cancelled"
    assert Notification.objects.filter(meeting=meeting, kind="cancel", sequence=1).exists()
    assert Notification.objects.filter(meeting=meeting, kind="staff_mtg", sequence=1).exists()
    assert slot in offered_slots(client.get(BOOKING_URL).content.decode())
    page = client.get(manage_url(meeting)).content.decode()
    assert "on peruttu" in page
    assert cancel_url(meeting) not in page
    # A second cancel (a reload) changes nothing more, and the question is not asked again.
    assert client.post(cancel_url(meeting))["Location"] == manage_url(meeting)
    assert client.get(cancel_url(meeting))["Location"] == manage_url(meeting)
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_moving_to_another_free_time_raises_the_sequence_and_frees_the_old_time(
    client, meeting, django_capture_on_commit_callbacks
):
    old_start = meeting.start
    body = client.get(manage_url(meeting)).content.decode()
    new_slot = offered_slots(body)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url(meeting), {"action": "move", "slot": new_slot})
    assert response.status_code == 302
    assert response["Location"] == f"/ajanvaraus/{meeting.manage_token}/vahvistus/"
    meeting.refresh_from_db()
    assert meeting.start == as_instant(new_slot)
    assert meeting.end == meeting.start + timedelta(minutes=30)
    assert meeting.sequence == 1
    change = meeting.changes.get(action=MeetingChange.Action.MOVED)
    assert (change.old_start, change.new_start, change.by_client) == (
        old_start,
        meeting.start,
        True,
    )
    assert Notification.objects.filter(meeting=meeting, kind="invite", sequence=1).exists()
    offered = offered_slots(client.get(BOOKING_URL).content.decode())
    assert old_start.astimezone(timezone.get_current_timezone()).isoformat() in offered
    assert "Tapaaminen siirretty" in client.get(response["Location"]).content.decode()


def test_moving_to_a_taken_or_tampered_time_is_refused(client, meeting):
    other = meetings.book_meeting(
        submission_id=None,
        meeting_type=meeting.meeting_type,
        start=as_instant(offered_slots(client.get(BOOKING_URL).content.decode())[0]),
        place="remote",
        name="Toinen",
        email="toinen@example.fi",
        language="fi",
    )[0]
    taken = other.start.isoformat()
    response = client.post(manage_url(meeting), {"action": "move", "slot": taken})
    assert response.status_code == 409
    assert "ehdittiin juuri varata" in response.content.decode()
    response = client.post(manage_url(meeting), {"action": "move", "slot": "huomenna"})
    assert response.status_code == 400
    assert "Valitse tapaamisaika listasta" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_after_the_cutoff_the_page_gives_hennas_phone_and_email_and_refuses_changes(
    client, meeting
):
    meeting.meeting_type.cancel_cutoff_hours = 24 * 60
    meeting.meeting_type.save()
    practice = Practice.objects.get()
    body = client.get(manage_url(meeting)).content.decode()
    assert cancel_url(meeting) not in body and 'id="move-form"' not in body
    assert practice.email in body and practice.phone in body
    assert client.get(cancel_url(meeting))["Location"] == manage_url(meeting)
    response = client.post(cancel_url(meeting))
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.BOOKED


@pytest.mark.parametrize("token", ["wrong-token", "x" * 300, "%00"])
def test_a_wrong_link_gets_a_clear_not_found_page(client, meeting, token):
    for url in (f"/ajanvaraus/{token}/", f"/ajanvaraus/{token}/vahvistus/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Varausta ei löytynyt" in response.content.decode()
    assert client.post(f"/ajanvaraus/{token}/", {"action": "cancel"}).status_code == 404
    assert client.get(f"/ajanvaraus/{token}/peru/").status_code == 404
    assert client.post(f"/ajanvaraus/{token}/peru/").status_code == 404


def test_a_past_meetings_link_has_expired(client, meeting):
    meeting.start = timezone.now() - timedelta(days=2)
    meeting.end = meeting.start + timedelta(minutes=30)
    meeting.set_blocked_range()
    meeting.save()
    assert client.get(manage_url(meeting)).status_code == 404


def test_the_invitation_downloads_as_a_private_calendar_file(client, meeting):
    response = client.get(f"/ajanvaraus/{meeting.manage_token}/kutsu.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    assert meeting.uid in response.content.decode()
    assert client.get("/ajanvaraus/wrong/kutsu.ics").status_code == 404


def test_the_english_manage_page_is_in_english(client, meeting):
    body = client.get(f"/en/booking/{meeting.manage_token}/").content.decode()
    assert "Your booking" in body and "Cancel the meeting" in body


def test_a_meeting_at_a_place_its_type_no_longer_offers_can_still_be_moved_or_cancelled(
    client, meeting
):
    """Henna stops offering remote meetings of this type after the client booked one: the
    client's own link must still work (it gave a server error: the write path's "wrong place"
    refusal had no message on the client's pages)."""
    meeting.meeting_type.remote = False
    meeting.meeting_type.save()
    new_slot = offered_slots(client.get(manage_url(meeting)).content.decode())[-1]
    moved = client.post(manage_url(meeting), {"action": "move", "slot": new_slot})
    assert moved.status_code in (302, 400)
    response = client.post(cancel_url(meeting))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED


def test_cancelling_asks_once_more_and_one_tap_cancels_nothing(client, meeting):
    question = client.get(cancel_url(meeting))
    assert question.status_code == 200
    page = question.content.decode()
    assert "<h1>Peru tapaaminen?</h1>" in page
    assert meeting.inquiry.reference in page
    assert re.search(r'<form method="post" id="cancel-form"', page)
    assert "Kyllä, peru tapaaminen" in page
    assert f'href="{manage_url(meeting)}"' in page  # "Älä peru" leads back
    assert "<script" not in page
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.BOOKED
    # The manage page's old one-tap form (a page left open) now only leads to the question.
    response = client.post(manage_url(meeting), {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == cancel_url(meeting)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (Meeting.Status.BOOKED, 0)
    english = client.get(f"/en/booking/{meeting.manage_token}/cancel/").content.decode()
    assert "<h1>Cancel the meeting?</h1>" in english and "Yes, cancel the meeting" in english


def test_cancelling_a_booking_not_yet_confirmed_promises_no_email(client, meeting):
    """A hold was never sent an invitation, so its cancellation sends nothing either."""
    Meeting.objects.filter(pk=meeting.pk).update(hold_until=timezone.now() + timedelta(minutes=9))
    page = client.get(cancel_url(meeting)).content.decode()
    assert "Peruttu aika vapautuu heti muille." in page
    assert "Saat peruutuksesta vahvistuksen" not in page
    confirmed = Meeting.objects.filter(pk=meeting.pk).update(hold_until=None)
    assert confirmed == 1
    assert "Saat peruutuksesta vahvistuksen" in client.get(cancel_url(meeting)).content.decode()


def test_moving_opens_at_the_meetings_own_week_with_its_time_marked(client, meeting):
    """A meeting weeks ahead: the picker starts at its week, not at this one, and shows its
    time among the others as the current one, which cannot be chosen."""
    weeks_ahead = (timezone.localdate() + timedelta(weeks=4)).isoformat()
    later = as_instant(
        offered_slots(client.get(BOOKING_URL, {"week": weeks_ahead}).content.decode())[0]
    )
    meetings.move_meeting(meeting=meeting, new_start=later, by_client=True)
    meeting.refresh_from_db()
    local = timezone.localtime(meeting.start)
    body = client.get(manage_url(meeting)).content.decode()
    monday = local.date() - timedelta(days=local.weekday())
    assert f"Viikko {monday.day}.{monday.month}." in body
    current = re.search(r'<li class="slot-current">(.*?)</li>', body, re.S).group(1)
    assert f"{local.hour}.{local.minute:02d}" in current and "nykyinen aikasi" in current
    assert "<input" not in current
    assert local.isoformat() not in offered_slots(body)
    assert all(as_instant(slot).date() - monday < timedelta(days=7) for slot in offered_slots(body))
    # Another week by address shows no marked time.
    first = client.get(manage_url(meeting), {"week": timezone.localdate().isoformat()})
    assert 'class="slot-current"' not in first.content.decode()


@pytest.fixture
def scheduled(db, admin_user):
    """A supervision session Henna scheduled for an inquiry (its own type and length)."""
    from bookings.models import Inquiry, MeetingType

    supervision = MeetingType.objects.create(
        name="Yksilötyönohjaus",
        name_fi="Yksilötyönohjaus",
        name_en="Individual supervision",
        duration_minutes=60,
        bookable_online=False,
    )
    inquiry = Inquiry.objects.create(kind="individual", name="Sami", email="sami@example.fi")
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    start += timedelta(weeks=3)
    [meeting] = meetings.schedule_meetings(
        inquiry=inquiry,
        meeting_type=supervision,
        place="kotka",
        sessions=[(start, start + supervision.duration)],
        user=admin_user,
    )
    return meeting


def test_a_scheduled_session_may_be_cancelled_but_is_moved_by_asking_henna(client, scheduled):
    body = client.get(manage_url(scheduled)).content.decode()
    assert 'id="move-form"' not in body and not offered_slots(body)
    assert "Sovitun tapaamisen uudesta ajasta sovitaan kanssani" in body
    assert 'href="tel:+358457835' in body
    assert f'href="{cancel_url(scheduled)}"' in body
    # The write path refuses a move by the client, whatever the page offers.
    public_time = as_instant(offered_slots(client.get(BOOKING_URL).content.decode())[0])
    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.move_meeting(meeting=scheduled, new_start=public_time, by_client=True)
    assert refused.value.code == meetings.SCHEDULED
    response = client.post(
        manage_url(scheduled), {"action": "move", "slot": public_time.isoformat()}
    )
    assert response.status_code == 400
    assert "Sovitun tapaamisen uudesta ajasta sovitaan kanssani" in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.sequence == 0
    # Henna herself still moves it anywhere free.
    meetings.move_meeting(meeting=scheduled, new_start=public_time, user=None)
    # Cancelling, before the cutoff, is the client's own.
    assert client.post(cancel_url(scheduled)).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == Meeting.Status.CANCELLED


def test_a_meeting_the_client_booked_stays_movable(client, meeting):
    assert meetings.client_may_move(meeting)
    assert 'id="move-form"' in client.get(manage_url(meeting)).content.decode()


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "2101-01-04"])
def test_a_week_at_the_ends_of_the_calendar_shows_the_nearest_bookable_week(client, meeting, week):
    for url in (BOOKING_URL, manage_url(meeting)):
        response = client.get(url, {"week": week})
        assert response.status_code == 200
        assert 'class="week-label"' in response.content.decode()


def test_the_manage_link_moves_a_meeting_three_times_a_day_then_asks_to_call(
    client, meeting, django_capture_on_commit_callbacks
):
    """The issue's email cannon: 40 moves between two times sent 80 emails. Three moves a day
    go through; the fourth gets a clear page and sends nothing."""
    from django.core import mail

    body = client.get(manage_url(meeting)).content.decode()
    slots = [offered_slots(body)[0], offered_slots(body)[-1]]
    mail.outbox.clear()
    statuses = []
    for attempt in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                manage_url(meeting), {"action": "move", "slot": slots[attempt % 2]}
            )
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429, 429, 429]
    assert "siirretty kolme kertaa vuorokauden sisällä" in response.content.decode()
    assert "040 123 4567" in response.content.decode() or "puhelimitse" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.sequence == 3
    assert len(mail.outbox) == 6  # three updated invitations, three notes to Henna
    # Henna moves it as often as she needs.
    from django.contrib.auth import get_user_model

    henna = get_user_model().objects.create_user("henna-test", is_staff=True)
    meetings.move_meeting(meeting=meeting, new_start=as_instant(slots[0]), user=henna)
    # The client may still cancel.
    assert client.post(cancel_url(meeting)).status_code == 302


def test_many_posts_from_one_network_get_a_clear_page_not_an_error(client, meeting, monkeypatch):
    from bookings.scheduling import manage_views

    monkeypatch.setattr(manage_views, "POSTS_PER_HOUR", 2)
    own = meeting.start.astimezone(timezone.get_current_timezone()).isoformat()
    for _attempt in range(2):  # refused moves (its own time), but posts all the same
        assert client.post(manage_url(meeting), {"slot": own}).status_code == 400
    response = client.post(manage_url(meeting), {"slot": own})
    assert response.status_code == 429
    assert "monta muutosta" in response.content.decode()
    assert meeting.inquiry.reference in response.content.decode()
    assert client.post(cancel_url(meeting)).status_code == 429
    meeting.refresh_from_db()
    assert meeting.is_active
    english = client.post(f"/en/booking/{meeting.manage_token}/", {"slot": own})
    assert english.status_code == 429
    assert "Many changes have just been sent from this address" in english.content.decode()
