"""What a first-time client reads on the booking pages, in Finnish and in English: the meeting's
day in the right case, an error summary that reads as sentences in the order of the fields, the
week and the time the English way, the phone number that works from abroad, and a last week
that says it is the last."""

import re
from datetime import date

import pytest
from django.utils import timezone

from bookings.models import Meeting
from bookings.scheduling import availability
from tests.bookings.booking_helpers import (
    BOOKING_URL,
    BOOKING_URL_EN,
    booking_data,
    confirm_holds,
    offered_slots,
    page_token,
)
from tests.bookings.conftest import INQUIRY_URL

pytestmark = pytest.mark.django_db

ESSIVE = ["maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina"]
ENGLISH_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@pytest.fixture
def booked(client, clock, django_capture_on_commit_callbacks):
    """Book the first free time through the page, in Finnish or English; the meeting."""

    def book(url=BOOKING_URL) -> Meeting:
        body = client.get(url).content.decode()
        clock.advance(60)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, booking_data(page_token(body), offered_slots(body)[0]))
            confirm_holds()
        return Meeting.objects.select_related("meeting_type", "inquiry").get()

    return book


def text(html: str) -> str:
    """The page's visible text, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_confirmation_and_the_cancelled_page_say_the_day_in_the_essive(client, booked):
    meeting = booked()
    local, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    day = f"{ESSIVE[local.weekday()]} {local.day}.{local.month}.{local.year}"
    # On the hour or not, by the time of day the test runs at.
    hours = f"{local:%-H.%M}–{end:%-H.%M}"
    page = text(client.get(f"/ajanvaraus/{meeting.manage_token}/vahvistus/").content.decode())
    assert f"Tapaamme {day} klo {hours}." in page
    client.post(f"/ajanvaraus/{meeting.manage_token}/peru/")
    page = text(client.get(f"/ajanvaraus/{meeting.manage_token}/").content.decode())
    assert f"Tapaaminen {day} klo {hours} on peruttu." in page


def test_the_english_confirmation_gives_the_day_the_english_way_in_finnish_time(client, booked):
    meeting = booked(BOOKING_URL_EN)
    local, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    page = text(client.get(f"/en/booking/{meeting.manage_token}/confirmed/").content.decode())
    day = f"{ENGLISH_DAYS[local.weekday()]} {local.day} {local:%B} {local.year}"
    hours = f"{local:%-H:%M}–{end:%-H:%M}"
    assert f"We meet on {day}, {hours} (Finnish time)." in page


def test_the_english_week_label_is_english_like_its_day_labels(client):
    week = text(client.get(BOOKING_URL_EN).content.decode())
    label = re.search(r"Week of [^←→]*?\d{4}", week).group(0)
    assert re.fullmatch(
        r"Week of \d{1,2}( [A-Z][a-z]+( \d{4})?)?( – |–)\d{1,2} [A-Z][a-z]+ \d{4}", label
    ), label
    assert "." not in label
    finnish = text(client.get(BOOKING_URL).content.decode())
    assert re.search(r"Viikko \d{1,2}\.\d{1,2}\.(\d{4})?–\d{1,2}\.\d{1,2}\.\d{4}", finnish)


@pytest.mark.parametrize(
    ("monday", "finnish", "english"),
    [
        (date(2026, 12, 7), "Viikko 7.12.–13.12.2026", "Week of 7–13 December 2026"),
        (date(2026, 11, 30), "Viikko 30.11.–6.12.2026", "Week of 30 November – 6 December 2026"),
        (
            date(2026, 12, 28),
            "Viikko 28.12.2026–3.1.2027",
            "Week of 28 December 2026 – 3 January 2027",
        ),
    ],
)
def test_a_week_across_months_or_years_is_written_in_full(monday, finnish, english):
    from django.utils import translation

    from bookings.scheduling.forms import week_label

    with translation.override("fi"):
        assert week_label(monday) == finnish
    with translation.override("en"):
        assert week_label(monday) == english


def test_english_pages_give_the_phone_number_with_the_country_code(client, booked):
    for url in (BOOKING_URL_EN, "/en/contact/"):
        body = client.get(url, follow=True).content.decode()
        assert "+358 45 7835 4299" in body, url
        assert "045 7835 4299" not in body
    # Finnish pages show the number as Henna wrote it; every tel: link is international.
    body = client.get(BOOKING_URL).content.decode()
    assert ">045 7835 4299<" in body
    assert 'href="tel:+358457835' in body and 'href="tel:0' not in body


def test_the_error_summary_reads_as_sentences_in_the_order_of_the_page(client, clock):
    body = client.get(BOOKING_URL).content.decode()
    clock.advance(60)
    data = booking_data(
        page_token(body), None, name="", email="x", considered_kind=None, consent=None
    )
    page = client.post(BOOKING_URL, data).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    items = [text(item) for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    assert not any(re.search(r"[?.!]:", item) for item in items), items
    assert items == [
        "Tapaamisaika: Valitse tapaamisaika.",
        "Millaista työnohjausta harkitset? Valitse, millaista työnohjausta harkitset.",
        "Nimi: Kirjoita nimesi.",
        "Sähköposti: Tarkista sähköpostiosoite, esimerkiksi nimi@esimerkki.fi.",
        "Hyväksy tietojesi käsittely, jotta voin varata ajan.",
    ]
    # Each leads to its field.
    anchors = re.findall(r'<a href="#([^"]+)"', summary)
    assert anchors == ["slot-picker", "id_considered_kind_0", "id_name", "id_email", "id_consent"]


def test_the_inquiry_forms_summary_follows_its_fields_too(client, filled_form):
    data = filled_form(kind=None, name="", format="elsewhere", consent=None)
    page = client.post(INQUIRY_URL, data).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    anchors = re.findall(r'<a href="#([^"]+)"', summary)
    assert anchors == ["id_kind_0", "id_format_0", "id_name", "id_consent"]
    assert "?:" not in text(summary) and ".:" not in text(summary)


def test_the_last_bookable_week_says_how_far_booking_is_open_and_how_to_ask_later(client):
    meeting_type = availability.bookable_type()
    last_day = availability.last_bookable_day(meeting_type, timezone.now())
    page = client.get(BOOKING_URL, {"week": "2099-01-05"}).content.decode()
    assert "Seuraava viikko" not in page
    words = text(page)
    assert f"Aikoja voi varata {last_day.day}.{last_day.month}.{last_day.year} asti." in words, (
        words
    )
    assert 'href="/yhteydenotto/"' in page
    assert "045 7835 4299" in words
    # Earlier weeks do not say it.
    assert "Aikoja voi varata" not in text(client.get(BOOKING_URL).content.decode())
    english = text(client.get(BOOKING_URL_EN, {"week": "2099-01-05"}).content.decode())
    assert f"Times can be booked up to {last_day.day} {last_day:%B} {last_day.year}." in english
