"""The whole path in Chromium: a visitor sends an inquiry with Finnish letters, Henna finds it.

Booking in Chromium, without JavaScript doing anything: a client books in Finnish and in
English, opens the link to manage the booking, moves the meeting and cancels it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from icalendar import Calendar

from bookings.models import Inquiry, Meeting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.long(seconds=19),
]

PASSWORD = "pitkä-salasana-testiin-42"


def test_visitor_sends_an_inquiry_and_henna_finds_it_in_the_admin(
    live_site, page, settings, artifacts_dir
):
    # A person needs seconds to fill in the form; the test does not wait for that.
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.ADMIN_2FA = False
    get_user_model().objects.create_superuser("henna", "henna@example.fi", PASSWORD)

    # On a phone, a form sent half-filled shows its errors without anything sticking out.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_site.url + "/yhteydenotto/")
    page.get_by_label("Nimi").fill("Äiniö Öljymäki")
    page.get_by_role("button", name="Lähetä yhteydenotto").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#id_consent_error").is_visible()
    assert page.get_by_label("Nimi").input_value() == "Äiniö Öljymäki"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=artifacts_dir / "inquiry-form-errors-360.png", full_page=True)
    assert Inquiry.objects.count() == 0

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Ryhmätyönohjaus (tiimi tai ryhmä)").check()
    page.get_by_label("Etätapaamiset").check()
    page.get_by_label("Sähköposti").fill("aino@example.fi")
    page.get_by_label("Organisaatio").fill("Kärkölän Sähkö Oy")
    page.get_by_label("Osallistujien määrä").fill("12")
    page.get_by_label("Viesti (vapaaehtoinen)").fill("Tiimimme kaipaa yhteistä aikaa pohtia työtä.")
    page.get_by_label("Olen lukenut").check()
    page.get_by_role("button", name="Lähetä yhteydenotto").click()

    page.wait_for_url("**/yhteydenotto/kiitos/")
    assert page.locator("h2", has_text="Mitä seuraavaksi tapahtuu").is_visible()
    inquiry = Inquiry.objects.get()
    assert (inquiry.name, inquiry.organisation, inquiry.participants) == (
        "Äiniö Öljymäki",
        "Kärkölän Sähkö Oy",
        12,
    )
    assert inquiry.status == Inquiry.Status.NEW

    page.goto(live_site.url + "/admin/")
    page.get_by_label("Käyttäjätunnus").fill("henna")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.get_by_role("link", name="1 uusi yhteydenotto odottaa").click()
    page.locator("#searchbar").fill("Öljymäki")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url("**q=*")
    page.get_by_role("link", name="Äiniö Öljymäki").click()
    assert page.locator(".field-organisation input").input_value() == "Kärkölän Sähkö Oy"
    assert page.locator(".field-reference").inner_text().strip().endswith(inquiry.reference)
    page.screenshot(path=artifacts_dir / "inquiry-in-admin.png")


def book(page, base_url, *, path, name, email, labels):
    page.goto(base_url + path)
    first_time = page.locator(".slot-times label").first
    chosen = first_time.inner_text()
    first_time.click()
    page.get_by_label(labels["kind"]).check()
    page.get_by_label(labels["place"]).check()
    page.get_by_role("textbox", name=labels["name"]).fill(name)
    page.get_by_role("textbox", name=labels["email"]).fill(email)
    page.get_by_label(labels["consent"]).check()
    page.get_by_role("button", name=labels["submit"]).click()
    return chosen


FI = {
    "kind": "Yksilötyönohjaus",
    "place": "Etänä (videoyhteys)",
    "name": "Nimi",
    "email": "Sähköposti",
    "consent": "Olen lukenut",
    "submit": "Varaa aika",
}
EN = {
    "kind": "Individual supervision",
    "place": "Remote (video call)",
    "name": "Name",
    "email": "Email",
    "consent": "I have read",
    "submit": "Book the time",
}


def test_a_client_books_moves_and_cancels_in_finnish(live_site, page, settings, artifacts_dir):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    page.set_viewport_size({"width": 390, "height": 844})
    chosen = book(
        page,
        live_site.url,
        path="/ajanvaraus/",
        name="Äiniö Öljymäki",
        email="aino@example.fi",
        labels=FI,
    )
    page.wait_for_url("**/vahvistus/")
    # A new client: the time is held until they confirm it from their email.
    assert page.locator("h1").inner_text() == "Vahvista varaus sähköpostistasi"
    token = Meeting.objects.get().confirm_token
    page.goto(f"{live_site.url}/ajanvaraus/vahvista/{token}/")
    page.get_by_role("button", name="Vahvista varaus").click()
    page.wait_for_url("**/vahvistus/")
    assert page.locator("h1").inner_text() == "Tapaaminen varattu"
    assert f"klo {chosen}" in page.locator(".lead").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=artifacts_dir / "booking-confirmation-390.png", full_page=True)
    meeting = Meeting.objects.get()
    assert meeting.inquiry.name == "Äiniö Öljymäki"

    page.get_by_role("link", name="perua tai siirtää tapaamisen").click()
    page.wait_for_url(f"**/ajanvaraus/{meeting.manage_token}/")
    # The picker opens at the meeting's own week, its time shown as the current one, which
    # is no choice: no radio button for it.
    current = page.locator("#move-form .slot-current")
    assert current.inner_text().split()[0] == chosen
    assert "nykyinen aikasi" in current.inner_text()
    assert current.locator("input").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=artifacts_dir / "booking-move-picker-390.png", full_page=True)
    later = page.locator("#move-form .slot-times label").last
    later_time = later.inner_text()
    later.click()
    page.get_by_role("button", name="Siirrä valittuun aikaan").click()
    page.wait_for_url("**/vahvistus/")
    assert page.locator("h1").inner_text() == "Tapaaminen siirretty"
    assert f"klo {later_time}" in page.locator(".lead").inner_text()
    meeting.refresh_from_db()
    assert meeting.sequence == 1

    # Cancelling asks once more; going back cancels nothing.
    page.goto(live_site.url + meeting.get_manage_url())
    page.get_by_role("link", name="Peru tapaaminen").click()
    page.wait_for_url(f"**/ajanvaraus/{meeting.manage_token}/peru/")
    assert page.locator("h1").inner_text() == "Peru tapaaminen?"
    assert meeting.inquiry.reference in page.locator(".meeting-details").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=artifacts_dir / "booking-cancel-step-390.png", full_page=True)
    page.get_by_role("link", name="Älä peru").click()
    page.wait_for_url(f"**/ajanvaraus/{meeting.manage_token}/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.BOOKED
    page.get_by_role("link", name="Peru tapaaminen").click()
    page.get_by_role("button", name="Kyllä, peru tapaaminen").click()
    page.wait_for_url(f"**/ajanvaraus/{meeting.manage_token}/")
    assert "on peruttu" in page.locator(".lead").inner_text()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED


def test_a_client_books_and_cancels_in_english(live_site, page, settings, artifacts_dir):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    book(
        page,
        live_site.url,
        path="/en/booking/",
        name="Ann Example",
        email="ann@example.com",
        labels=EN,
    )
    page.wait_for_url("**/en/booking/*/confirmed/")
    assert page.locator("h1").inner_text() == "Confirm your booking from your email"
    token = Meeting.objects.get().confirm_token
    page.goto(f"{live_site.url}/en/booking/confirm/{token}/")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url("**/en/booking/*/confirmed/")
    assert page.locator("h1").inner_text() == "Meeting booked"
    page.screenshot(path=artifacts_dir / "booking-confirmation-en-1280.png", full_page=True)
    page.get_by_role("link", name="cancel or move the meeting").click()
    page.set_viewport_size({"width": 390, "height": 844})
    assert "your current time" in page.locator("#move-form .slot-current").inner_text()
    page.screenshot(path=artifacts_dir / "booking-move-picker-en-390.png", full_page=True)
    page.get_by_role("link", name="Cancel the meeting").click()
    assert page.locator("h1").inner_text() == "Cancel the meeting?"
    page.screenshot(path=artifacts_dir / "booking-cancel-step-en-390.png", full_page=True)
    page.get_by_role("button", name="Yes, cancel the meeting").click()
    assert "is cancelled" in page.locator(".lead").inner_text()
    meeting = Meeting.objects.get()
    assert (meeting.inquiry.language, meeting.status) == ("en", "cancelled")


def test_the_confirmation_email_carries_the_invitation_and_the_manage_link(
    live_site, page, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    book(
        page,
        live_site.url,
        path="/ajanvaraus/",
        name="Äiniö Öljymäki",
        email="aino@example.fi",
        labels=FI,
    )
    page.wait_for_url("**/vahvistus/")
    # A new client's first email only asks to confirm the booking: no invitation yet.
    (request,) = [m for m in mail.outbox if m.to == ["aino@example.fi"]]
    assert not request.attachments
    confirm = re.search(r"https?://\S+/ajanvaraus/vahvista/[\w-]+/", request.body).group(0)
    page.goto(confirm)
    page.get_by_role("button", name="Vahvista varaus").click()
    page.wait_for_url("**/vahvistus/")
    (email,) = [m for m in mail.outbox if m.to == ["aino@example.fi"] and m is not request]
    message = email.message()
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "text/calendar" in parts
    assert any(part.get_filename() == "invite.ics" for part in message.walk())
    (event,) = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True)).walk("VEVENT")
    meeting = Meeting.objects.get()
    assert (str(event["UID"]), event["SEQUENCE"]) == (meeting.uid, 0)
    assert event["DTSTART"].dt == meeting.start
    link = re.search(r"https?://\S+/ajanvaraus/[\w-]+/", email.body).group(0)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Oma varaus"


def test_the_clients_pages_fit_a_phone_in_both_languages(
    live_site, page, settings, artifacts_dir, admin_user
):
    """Every page a client meets after booking, at 390 px in Finnish and English: nothing
    sticks out sideways. The screenshots are for looking at (test-artifacts/)."""
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import MeetingType
    from bookings.scheduling import meetings
    from tests.bookings.booking_helpers import booked

    settings.INQUIRY_MIN_FILL_SECONDS = 0
    MeetingType.objects.filter(bookable_online=True).update(
        video_link="https://meet.example.fi/aventuria-henna"
    )
    meeting = booked(name='Ann "Annie" Example')
    supervision = MeetingType.objects.create(
        name="Yksilötyönohjaus",
        name_fi="Yksilötyönohjaus",
        name_en="Individual supervision",
        duration_minutes=60,
    )
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    start += timedelta(weeks=3)
    [session] = meetings.schedule_meetings(
        inquiry=meeting.inquiry,
        meeting_type=supervision,
        place="kotka",
        sessions=[(start, start + supervision.duration)],
        user=admin_user,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    token, scheduled = meeting.manage_token, session.manage_token
    pages = {
        "booking-last-week": ("/ajanvaraus/?week=2099-01-05", "/en/booking/?week=2099-01-05"),
        "booking-confirmation": (
            f"/ajanvaraus/{token}/vahvistus/",
            f"/en/booking/{token}/confirmed/",
        ),
        "booking-manage": (f"/ajanvaraus/{token}/", f"/en/booking/{token}/"),
        "booking-cancel-step": (f"/ajanvaraus/{token}/peru/", f"/en/booking/{token}/cancel/"),
        "booking-manage-scheduled": (f"/ajanvaraus/{scheduled}/", f"/en/booking/{scheduled}/"),
    }
    for name, (finnish, english) in pages.items():
        for language, path in (("fi", finnish), ("en", english)):
            page.goto(live_site.url + path)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            page.screenshot(path=artifacts_dir / f"{name}-{language}-390.png", full_page=True)
    for language, path in (("fi", "/ajanvaraus/"), ("en", "/en/booking/")):
        page.goto(live_site.url + path)
        page.locator("button[type=submit]").click()
        summary = page.locator(".error-summary")
        assert summary.is_visible()
        assert "?:" not in summary.inner_text() and ".:" not in summary.inner_text()
        summary.screenshot(path=artifacts_dir / f"booking-error-summary-{language}-390.png")
