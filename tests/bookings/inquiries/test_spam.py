"""Spam is caught without a captcha, stored quietly as spam and thanked like anyone else.

The time trap counts from when the visitor was first given a form, whatever page came between:
no error page hands out a token that is older than the visitor's visit."""

import re

import pytest
from django.core import mail

from bookings.inquiries.spam import RateLimit
from bookings.models import Inquiry, Notification
from tests.bookings.conftest import INQUIRY_URL, THANKS_URL, form_token, inquiry_data, post_inquiry
from tests.conftest import HttpsClient

pytestmark = pytest.mark.django_db


def test_filled_honeypot_is_stored_as_spam_without_email_and_thanked(submit):
    response = submit(website="http://cheap-pills.example")
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_form_sent_faster_than_a_person_can_is_spam(
    client, clock, settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_MIN_FILL_SECONDS = 3
    token = form_token(client)
    clock.advance(2.5)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_inquiry(client, inquiry_data(token))
    assert response["Location"] == THANKS_URL
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert mail.outbox == []


def test_form_sent_after_the_minimum_time_is_not_spam(client, clock, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 3
    token = form_token(client)
    clock.advance(3.5)
    post_inquiry(client, inquiry_data(token))
    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_spam_is_not_in_the_open_queue():
    # The queue's default view uses this: spam never waits for Henna.
    assert Inquiry.Status.SPAM not in Inquiry.OPEN_STATUSES


def test_over_the_rate_limit_the_form_comes_back_with_a_message_and_what_was_typed(
    client, filled_form, settings
):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    for number in range(2):
        response = post_inquiry(client, filled_form(message=f"Viesti {number}"))
        assert response.status_code == 302
    response = post_inquiry(client, filled_form(message="Kolmas viesti"))
    body = response.content.decode()
    assert response.status_code == 429
    assert "Tästä osoitteesta on lähetetty juuri monta yhteydenottoa" in body
    assert 'value="Äiniö Öljymäki"' in body
    assert "Kolmas viesti</textarea>" in body
    assert Inquiry.objects.count() == 2


def test_rate_limit_counts_per_address(client, filled_form, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert post_inquiry(client, filled_form(message="Eka")).status_code == 302
    other = post_inquiry(client, filled_form(message="Toka"), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302
    assert Inquiry.objects.count() == 2


def test_rate_limit_window_passes(client, filled_form, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert post_inquiry(client, filled_form(message="Eka")).status_code == 302
    Inquiry.objects.update(created_at=Inquiry.objects.get().created_at.replace(year=2020))
    assert post_inquiry(client, filled_form(message="Toka")).status_code == 302


def test_double_click_at_the_rate_limit_still_gets_the_thank_you(client, filled_form, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    data = filled_form()
    assert post_inquiry(client, data)["Location"] == THANKS_URL
    again = post_inquiry(client, data)
    assert again.status_code == 302
    assert again["Location"] == THANKS_URL
    assert Inquiry.objects.count() == 1


def test_spam_over_the_rate_limit_is_thanked_and_not_stored(client, filled_form, settings):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    for number in range(5):
        response = post_inquiry(client, filled_form(message=f"Osta {number}", website="x"))
        assert response["Location"] == THANKS_URL
    assert Inquiry.objects.filter(status=Inquiry.Status.SPAM).count() == 2


@pytest.mark.parametrize(
    ("value", "count", "seconds"),
    [("5/h", 5, 3600), ("10/15m", 10, 900), ("100/d", 100, 86400), (" 3 / 30s ", 3, 30)],
)
def test_rate_limit_setting_is_read_as_count_per_window(value, count, seconds):
    assert RateLimit.parse(value) == RateLimit(count=count, seconds=seconds)


@pytest.mark.parametrize("value", ["", "5", "5/x", "five/h", "/h"])
def test_malformed_rate_limit_setting_is_an_error(value):
    with pytest.raises(ValueError, match="use for example 5/h"):
        RateLimit.parse(value)


def test_a_honeypot_filled_beyond_any_length_is_spam_and_gives_nothing_away(submit):
    response = submit(website="x" * 201)
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert mail.outbox == []


def token_in(body: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', body).group(1)


@pytest.fixture(autouse=True)
def _three_seconds(settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 3


def test_a_garbage_token_gets_no_head_start(client, clock, django_capture_on_commit_callbacks):
    response = post_inquiry(client, inquiry_data("garbage"))
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = post_inquiry(client, inquiry_data(token_in(response.content.decode())))
    # Thanked like anyone, but stored as spam, and no email to the address typed.
    assert response.status_code == 302
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert mail.outbox == []


def test_a_failed_csrf_check_keeps_the_tokens_age(clock, django_capture_on_commit_callbacks):
    strict = HttpsClient(enforce_csrf_checks=True)
    token = form_token(strict)  # given a form just now
    response = strict.post(INQUIRY_URL, inquiry_data(token))
    body = response.content.decode()
    assert response.status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        strict.post(
            INQUIRY_URL,
            {**inquiry_data(token_in(body)), "csrfmiddlewaretoken": csrf},
            headers={"referer": "https://testserver/yhteydenotto/"},
        )
    assert Inquiry.objects.get().status == Inquiry.Status.SPAM
    assert mail.outbox == []
