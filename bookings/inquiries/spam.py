"""Spam protection without a third-party captcha: a signed form token, a honeypot field and a
per-address rate limit kept in the database (so that every gunicorn worker sees it)."""

import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from aventuria.client_ip import client_ip, client_network

TOKEN_SALT = "bookings.inquiry-form"  # noqa: S105 - a namespace, not a secret
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class FormToken:
    submission_id: uuid.UUID
    issued_at: float

    @classmethod
    def issue(cls, *, age: float = 0, issued_at: float | None = None) -> str:
        """A new token, as if the form had been open for `age` seconds already (or since
        `issued_at`, when the visitor was first given a form)."""
        issued_at = time.time() - age if issued_at is None else issued_at
        return signing.dumps({"id": uuid.uuid4().hex, "t": issued_at}, salt=TOKEN_SALT)

    @classmethod
    def read(cls, value: str) -> "FormToken | None":
        """The token's contents, or None when it was tampered with or is too old."""
        try:
            data = signing.loads(
                value,
                salt=TOKEN_SALT,
                max_age=timedelta(hours=settings.INQUIRY_FORM_MAX_AGE_HOURS),
            )
            return cls(submission_id=uuid.UUID(data["id"]), issued_at=float(data["t"]))
        except (signing.BadSignature, KeyError, ValueError, TypeError):
            return None

    @classmethod
    def renew(cls, value: str) -> str:
        """The token for the form shown again, whose age is still the time since the visitor
        was first given a form: a valid token stays as it is; an expired one was given long
        ago, so its successor counts as open for the minimum time; a forged or garbled one
        proves nothing, so the new one starts from now."""
        if cls.read(value) is not None:
            return value
        try:
            signing.loads(value, salt=TOKEN_SALT)
        except (signing.BadSignature, TypeError, ValueError):
            return cls.issue()
        return cls.issue(age=settings.INQUIRY_MIN_FILL_SECONDS)

    def filled_too_fast(self) -> bool:
        return time.time() - self.issued_at < settings.INQUIRY_MIN_FILL_SECONDS


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, value: str) -> "RateLimit":
        """Parse '5/h', '10/15m' or '100/d'."""
        match = RATE_RE.match(value or "")
        if not match:
            raise ValueError(f"Invalid rate limit {value!r}; use for example 5/h.")
        count, multiplier, unit = match.groups()
        return cls(count=int(count), seconds=int(multiplier or 1) * RATE_UNITS[unit])

    def window_start(self):
        return timezone.now() - timedelta(seconds=self.seconds)


def client_key(request) -> str:
    """A keyed hash of the visitor's address (an IPv6 address's /64): enough to count, useless
    to identify anyone."""
    network = client_network(client_ip(request))
    return salted_hmac("bookings.client-key", network, algorithm="sha256").hexdigest()
