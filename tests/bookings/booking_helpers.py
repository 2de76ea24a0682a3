"""Helpers for the booking tests: the page's free times and a filled-in booking form."""

import re
from datetime import datetime

BOOKING_URL = "/ajanvaraus/"
BOOKING_URL_EN = "/en/booking/"

SLOT_RE = re.compile(r'<input type="radio" name="slot" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def offered_slots(body: str) -> list[str]:
    return SLOT_RE.findall(body)


def page_token(body: str) -> str:
    return TOKEN_RE.search(body).group(1)


def booking_data(token: str, slot: str, **changes) -> dict:
    data = {
        "slot": slot,
        "considered_kind": "individual",
        "place": "remote",
        "name": "Äiniö Öljymäki",
        "email": "aino@example.fi",
        "phone": "040 123 4567",
        "note": "Haluaisin kuulla yksilötyönohjauksesta.",
        "consent": "on",
        "website": "",
        "token": token,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def as_instant(value: str) -> datetime:
    return datetime.fromisoformat(value)
