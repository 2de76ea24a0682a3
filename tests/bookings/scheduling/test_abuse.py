"""One person must not be able to book out Henna's calendar (issue 18): a new client's booking
is held until they confirm it from their email, holds expire, one network holds at most two at
a time and all networks five, one mailbox (+tags, Gmail's dots) is one person, and the limits
are counted inside the booking's serialised transaction."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Inquiry, Meeting, MeetingType, Notification
from bookings.models.inquiries import mailbox_key
from bookings.scheduling import meetings
from tests.bookings.booking_helpers import (
    BOOKING_URL,
    BOOKING_URL_EN,
    booked,
    booking_data,
    first_free,
    offered_slots,
    page_token,
)
from tests.bookings.conftest import form_token, inquiry_data, post_inquiry

pytestmark = pytest.mark.django_db

CONFIRM_LINK_RE = re.compile(r"https?://\S+?(/(?:en/booking/confirm|ajanvaraus/vahvista)/[^/\s]+/)")
HENNA = "henna@aventuria.fi"


@pytest.fixture
def post_booking(client, clock, django_capture_on_commit_callbacks):
    """Load the booking page, wait a minute, post it from an address; the response."""

    def send(address="192.0.2.10", url=BOOKING_URL, slot_index=0, **changes):
        body = client.get(url, REMOTE_ADDR=address).content.decode()
        clock.advance(60)
        slot = offered_slots(body)[slot_index]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url, booking_data(page_token(body), slot, **changes), REMOTE_ADDR=address
            )

    return send


def confirm_path(message) -> str:
    return CONFIRM_LINK_RE.search(message.body).group(1)


def test_a_new_clients_booking_is_held_until_they_confirm_it_from_their_email(
    client, post_booking, django_capture_on_commit_callbacks
):
    response = post_booking(place="remote")
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.is_hold
    page = client.get(response["Location"]).content.decode()
    assert "Vahvista varaus sähköpostistasi" in page
    assert "30 minuutiksi" in page
    assert "kutsu.ics" not in page
    # One email, to the client: the link to confirm. No invitation, nothing to Henna yet.
    assert [m.to for m in mail.outbox] == [["aino@example.fi"]]
    (request,) = mail.outbox
    assert request.subject.startswith("Vahvista varauksesi: Tutustumistapaaminen")
    assert not request.attachments
    slot = timezone.localtime(meeting.start).isoformat()
    assert slot not in offered_slots(client.get(BOOKING_URL).content.decode())
    # The invitation is not to be had from the manage link either, nor a move.
    assert client.get(f"/ajanvaraus/{meeting.manage_token}/kutsu.ics").status_code == 404
    assert (
        'id="move-form"' not in client.get(f"/ajanvaraus/{meeting.manage_token}/").content.decode()
    )

    # A mail scanner opening the link confirms nothing: the page asks.
    link = confirm_path(request)
    assert "Vahvista varaus" in client.get(link).content.decode()
    assert Meeting.objects.get().is_hold
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(link)
    assert confirmed["Location"] == f"/ajanvaraus/{meeting.manage_token}/vahvistus/"
    assert "Tapaaminen varattu" in client.get(confirmed["Location"]).content.decode()
    assert not Meeting.objects.get().is_hold
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["aino@example.fi", HENNA]
    invitation = next(m for m in mail.outbox[1:] if m.to == ["aino@example.fi"])
    assert invitation.subject.startswith("Tapaamisesi on varattu")
    # A second click shows the booking, and sends nothing more.
    assert client.get(link)["Location"] == confirmed["Location"]
    assert len(mail.outbox) == 3


def test_an_english_hold_is_confirmed_in_english(client, post_booking):
    response = post_booking(url=BOOKING_URL_EN)
    assert (
        "Confirm your booking from your email" in client.get(response["Location"]).content.decode()
    )
    (request,) = mail.outbox
    assert request.subject.startswith("Confirm your booking:")
    assert "/en/booking/confirm/" in request.body
    assert "Confirm booking" in client.get(confirm_path(request)).content.decode()


def test_an_unconfirmed_hold_frees_its_time_after_30_minutes(client, post_booking):
    post_booking()
    meeting = Meeting.objects.get()
    slot = timezone.localtime(meeting.start).isoformat()
    link = confirm_path(mail.outbox[0])
    meetings.expire_holds(now=timezone.now() + timedelta(minutes=29))
    assert Meeting.objects.get().is_active

    meetings.expire_holds(now=timezone.now() + timedelta(minutes=31))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.inquiry.status == Inquiry.Status.CLOSED
    assert slot in offered_slots(client.get(BOOKING_URL).content.decode())
    assert len(mail.outbox) == 1  # no cancellation of what was never sent
    response = client.post(link)
    assert response.status_code == 410
    assert "Varausta ei vahvistettu ajoissa" in response.content.decode()


def test_a_hold_past_its_time_blocks_nothing_even_before_it_is_swept(
    client, post_booking, admin_user
):
    """Between the hold's end and the next sweep (a booking, the worker, cron) its time is
    already free: offered on the page, and Henna may schedule a session there."""
    post_booking()
    hold = Meeting.objects.get()
    slot = timezone.localtime(hold.start).isoformat()
    assert slot not in offered_slots(client.get(BOOKING_URL).content.decode())
    Meeting.objects.update(hold_until=timezone.now() - timedelta(seconds=1))

    assert slot in offered_slots(client.get(BOOKING_URL).content.decode())
    inquiry = Inquiry.objects.create(name="Tiimi", email="tiimi@example.fi", kind="group")
    (scheduled,) = meetings.schedule_meetings(
        inquiry=inquiry,
        meeting_type=hold.meeting_type,
        place="remote",
        sessions=[(hold.start, hold.end)],
        user=admin_user,
    )
    hold.refresh_from_db()
    assert (hold.status, scheduled.is_active) == (Meeting.Status.CANCELLED, True)


def test_a_hold_henna_moves_is_hers_to_keep_and_its_client_gets_the_invitation(
    post_booking, admin_user
):
    post_booking()
    hold = Meeting.objects.get()
    mail.outbox.clear()
    moved = meetings.move_meeting(
        meeting=hold, new_start=hold.start + timedelta(days=7), user=admin_user
    )
    assert not moved.is_hold  # It no longer expires.
    assert moved.client_email == meetings.INVITATION
    kinds = Notification.objects.filter(meeting=moved, sequence=moved.sequence)
    assert list(kinds.values_list("kind", flat=True)) == ["invite"]
    meetings.expire_holds(now=timezone.now() + timedelta(hours=1))
    moved.refresh_from_db()
    assert moved.is_active


def test_the_command_frees_expired_holds(post_booking, capsys):
    post_booking()
    Meeting.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    call_command("expire_holds")
    assert "1 unconfirmed bookings expired" in capsys.readouterr().out
    assert not Meeting.objects.active().exists()


def test_a_returning_client_and_hennas_own_scheduling_are_not_held(admin_user):
    booked(email="bea@example.fi")
    mail.outbox.clear()
    meeting_type = MeetingType.objects.get(bookable_online=True)
    again = meetings.book_meeting(
        submission_id=None,
        meeting_type=meeting_type,
        start=first_free(meeting_type),
        place="remote",
        name="Bea",
        email="B.E.A+toinen@Example.fi".replace(".", "", 2),
        language="fi",
    )[0]
    assert not again.is_hold
    kinds = set(Notification.objects.filter(meeting=again).values_list("kind", flat=True))
    assert kinds == {"invite", "staff_mtg"}
    inquiry = Inquiry.objects.create(name="Uusi", email="uusi@example.fi", kind="individual")
    start = first_free(meeting_type)
    (scheduled,) = meetings.schedule_meetings(
        inquiry=inquiry,
        meeting_type=meeting_type,
        place="remote",
        sessions=[(start, start + meeting_type.duration)],
        user=admin_user,
    )
    assert not scheduled.is_hold


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("Mallory+1@Example.fi", "mallory@example.fi"),
        ("mallory+a+b@example.fi", "mallory@example.fi"),
        ("m.a.l.l.o.r.y+x@gmail.com", "mallory@gmail.com"),
        ("M.allory@googlemail.com", "mallory@gmail.com"),
        ("m.allory@example.fi", "m.allory@example.fi"),  # dots matter elsewhere
    ],
)
def test_one_mailbox_is_one_person(email, key):
    assert mailbox_key(email) == key


def test_plus_tags_and_gmail_dots_do_not_make_another_person(post_booking, settings):
    settings.INQUIRY_RATE_LIMIT = "100/h"
    assert post_booking("192.0.2.1", email="mallory+1@gmail.com").status_code == 302
    assert post_booking("192.0.2.2", email="M.allory+2@googlemail.com").status_code == 302
    response = post_booking("192.0.2.3", email="mal.lory+3@gmail.com")
    assert response.status_code == 400
    assert "jo kaksi tulevaa varausta" in response.content.decode()
    assert Meeting.objects.count() == 2


def test_one_ipv6_network_holds_two_times_and_a_client_elsewhere_still_books(
    post_booking, settings
):
    """The issue's attack: 16 posts from one /64, each from its own address and mailbox."""
    settings.INQUIRY_RATE_LIMIT = "100/h"
    statuses = [
        post_booking(f"2001:db8:dead:beef::{n:x}", email=f"mallory{n}@example.{n}.fi").status_code
        for n in range(1, 17)
    ]
    assert statuses == [302, 302] + [429] * 14
    assert Meeting.objects.active().count() == 2
    assert len(mail.outbox) == 2
    # Someone on another connection books as usual.
    assert post_booking("2001:db8:cafe::1", email="oikea@example.fi").status_code == 302
    assert Meeting.objects.active().count() == 3


def test_the_rate_limit_counts_an_ipv6_network_as_one_visitor(
    client, clock, settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_RATE_LIMIT = "2/h"

    def send(address, email):
        token = form_token(client)
        clock.advance(60)
        with django_capture_on_commit_callbacks(execute=True):
            return post_inquiry(client, inquiry_data(token, email=email), REMOTE_ADDR=address)

    assert send("2001:db8:dead:beef::1", "a@example.fi").status_code == 302
    assert send("2001:db8:dead:beef:1234::99", "b@example.fi").status_code == 302
    assert send("2001:db8:dead:beef:ffff::1", "c@example.fi").status_code == 429
    assert send("2001:db8:dead:bee0::1", "d@example.fi").status_code == 302


def test_when_the_holds_are_full_new_clients_wait_and_henna_is_told_once(post_booking, settings):
    settings.INQUIRY_RATE_LIMIT = "100/h"
    booked(email="vanha@example.fi", skip=20)  # a client who confirmed a booking before
    for n in range(meetings.MAX_HOLDS):
        assert post_booking(f"192.0.2.{n}", email=f"uusi{n}@example.fi").status_code == 302
    mail.outbox.clear()
    refused = post_booking("198.51.100.1", email="kuudes@example.fi")
    assert refused.status_code == 503
    assert "moni uusi varaus odottaa vahvistusta" in refused.content.decode()
    (alert,) = mail.outbox
    assert alert.to == [HENNA]
    assert "vahvistamattomia varauksia on enimmäismäärä" in alert.subject
    assert post_booking("198.51.100.2", email="seitsemas@example.fi").status_code == 503
    assert len(mail.outbox) == 1  # once an hour, not once a refusal
    # A client who has confirmed before is not held, so not refused.
    assert post_booking("198.51.100.3", email="vanha@example.fi").status_code == 302


def test_the_feed_shows_a_hold_as_tentative(post_booking):
    from bookings.calendar.feed import feed_event
    from services.models import Practice

    post_booking()
    meeting = Meeting.objects.select_related("inquiry", "meeting_type").get()
    assert feed_event(meeting, Practice.load(), with_names=False)["status"] == "TENTATIVE"
    meetings.confirm_booking(token=meeting.confirm_token)
    meeting.refresh_from_db()
    assert feed_event(meeting, Practice.load(), with_names=False)["status"] == "CONFIRMED"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_from_one_address_cannot_pass_the_rate_limit(site_content, settings):
    """12 bookings at once from one address against a limit of 5: the limit is counted inside
    the serialised transaction, so 5 are booked (the issue measured 6 when it was not)."""
    settings.INQUIRY_RATE_LIMIT = "5/h"
    clients = 12
    for n in range(clients):  # returning clients: not held, so only the rate limit counts
        booked(email=f"asiakas{n}@example.fi", skip=n)
    meeting_type = MeetingType.objects.get(bookable_online=True)
    starts = [first_free(meeting_type, skip=n) for n in range(clients)]
    barrier = threading.Barrier(clients)

    def book(n):
        barrier.wait(timeout=30)
        try:
            meetings.book_meeting(
                submission_id=None,
                meeting_type=meeting_type,
                start=starts[n],
                place="remote",
                name=f"Asiakas {n}",
                email=f"asiakas{n}@example.fi",
                language="fi",
                client_key="one-address",
            )
            return "booked"
        except meetings.MeetingRefused as refused:
            return refused.code
        finally:
            from django.db import connection

            connection.close()

    with ThreadPoolExecutor(clients) as pool:
        outcomes = sorted(pool.map(book, range(clients)))
    assert outcomes == ["booked"] * 5 + [meetings.RATE_LIMITED] * 7
