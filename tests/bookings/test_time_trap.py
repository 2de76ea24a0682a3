"""The time trap counts from when the visitor was first given a form, whatever page came between:
no error page hands out a token that is older than the visitor's visit."""

import re

import pytest
from django.core import mail

from bookings.models import Inquiry
from tests.bookings.conftest import INQUIRY_URL, form_token, inquiry_data, post_inquiry
from tests.conftest import HttpsClient

pytestmark = pytest.mark.django_db


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
