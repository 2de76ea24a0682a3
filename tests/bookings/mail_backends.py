"""Email backends standing in for a mail server that is down, or busy with two senders."""

import smtplib
import threading

from django.core.mail.backends.base import BaseEmailBackend

sent: list[tuple[str, str]] = []
_lock = threading.Lock()
_thread = threading.local()


class DownBackend(BaseEmailBackend):
    """Like a mail server that refuses the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


class MeetingBackend(BaseEmailBackend):
    """Records each message. A thread's first message waits until another thread is sending
    too, so two senders are certainly at work at the same time."""

    meeting: threading.Barrier | None = None

    def send_messages(self, email_messages):
        if self.meeting is not None and not getattr(_thread, "met", False):
            _thread.met = True
            self.meeting.wait(timeout=10)
        with _lock:
            sent.extend((message.to[0], message.subject) for message in email_messages)
        return len(email_messages)


class CountingBackend(BaseEmailBackend):
    """Counts the connections opened and the messages sent over them."""

    opened = 0
    messages = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.connected = False

    def open(self):
        if self.connected:
            return False
        CountingBackend.opened += 1
        self.connected = True
        return True

    def close(self):
        self.connected = False

    def send_messages(self, email_messages):
        CountingBackend.messages += len(email_messages)
        return len(email_messages)


class UnreachableBackend(BaseEmailBackend):
    """Like a mail server whose address does not answer: connecting fails."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise AssertionError("sent without a connection")


class RefusingBackend(BaseEmailBackend):
    """Like a mail server that refuses the client's address: 550 ("no such user") for
    addresses in `refused`, a temporary 450 for those in `busy`; others are accepted."""

    refused: tuple[str, ...] = ()
    busy: tuple[str, ...] = ()

    def send_messages(self, email_messages):
        for message in email_messages:
            recipient = message.to[0]
            if recipient in self.refused:
                raise smtplib.SMTPRecipientsRefused({recipient: (550, b"5.1.1 No such user")})
            if recipient in self.busy:
                raise smtplib.SMTPRecipientsRefused({recipient: (450, b"4.2.0 Try later")})
            with _lock:
                sent.append((recipient, message.subject))
        return len(email_messages)
