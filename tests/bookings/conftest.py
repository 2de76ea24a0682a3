"""Helpers for the inquiry tests: a controllable clock for the form token and a filled form."""

import re
import time

import pytest
from django.core import signing

from bookings.inquiries import spam

INQUIRY_URL = "/yhteydenotto/"
THANKS_URL = "/yhteydenotto/kiitos/"


class Clock:
    """Stands in for the time module inside bookings.spam, so a test decides how long the
    visitor took to fill in the form."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(spam, "time", clock)
    # The signature's own timestamp decides when the form expires.
    monkeypatch.setattr(signing, "time", clock)
    return clock


def form_token(client) -> str:
    """The signed token of the form as a visitor receives it."""
    body = client.get(INQUIRY_URL).content.decode()
    return re.search(r'name="token" value="([^"]+)"', body).group(1)


def inquiry_data(token: str, **changes) -> dict:
    data = {
        "kind": "individual",
        "name": "Äiniö Öljymäki",
        "email": "aino@example.fi",
        "phone": "040 123 4567",
        "organisation": "",
        "participants": "",
        "format": "remote",
        "preferred_times": "Tiistai-iltapäivät",
        "message": "Haluaisin työnohjausta esihenkilötyöhön.",
        "consent": "on",
        "website": "",
        "token": token,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def filled_form(client, clock):
    """A form fetched a minute ago and filled in at a human pace; call with changes."""

    def make(**changes) -> dict:
        token = form_token(client)
        clock.advance(60)
        return inquiry_data(token, **changes)

    return make


def post_inquiry(client, data, **kwargs):
    return client.post(INQUIRY_URL, data, **kwargs)


@pytest.fixture
def submit(client, filled_form, django_capture_on_commit_callbacks):
    """Send a filled form as a visitor would, running what happens after the commit."""

    def send(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            return post_inquiry(client, filled_form(**changes))

    return send


@pytest.fixture
def server(settings):
    """A calendar server on 127.0.0.1 for the busy-times tests, which the setting allows."""
    from tests.bookings.calendar_server import CalendarServer

    settings.BUSY_CALENDAR_ALLOW_PRIVATE = True
    with CalendarServer() as calendar_server:
        yield calendar_server
