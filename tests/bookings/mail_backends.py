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
