"""A calendar server on 127.0.0.1 for the busy-times tests, and the calendars it serves.

Each path answers as a calendar service (or a broken one) would: a file, a redirect, an error,
a body without a length, or nothing at all until the test ends (a server that hangs).
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bookings.models import BusyInterval, CalendarSync

HELSINKI_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Helsinki
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:EEST
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:EET
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

# As Outlook writes it: a Windows zone name, defined only by the VTIMEZONE that comes with it.
EASTERN_TZ = """BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE"""


def calendar(*parts: str) -> bytes:
    body = "\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Calendar//EN", *parts, "END:VCALENDAR"]
    )
    return (body.replace("\n", "\r\n") + "\r\n").encode()


def event(uid: str, *lines: str, summary: str = "Hammaslääkäri") -> str:
    return "\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20270101T000000Z",
            f"SUMMARY:{summary}",
            "DESCRIPTION:Private description",
            *lines,
            "END:VEVENT",
        ]
    )


# Henna's calendar around the spring summer-time change (Sunday 28.3.2027 in Finland, Sunday
# 14.3.2027 in the United States), with what a real one has: a weekly appointment with one
# date left out and one moved, an all-day event, something marked free and something cancelled.
HENNAS_CALENDAR = calendar(
    HELSINKI_TZ,
    EASTERN_TZ,
    event(
        "weekly@test",
        "DTSTART;TZID=Europe/Helsinki:20270316T090000",
        "DTEND;TZID=Europe/Helsinki:20270316T100000",
        "RRULE:FREQ=WEEKLY;COUNT=6",
        "EXDATE;TZID=Europe/Helsinki:20270323T090000",
    ),
    event(
        "weekly@test",
        "RECURRENCE-ID;TZID=Europe/Helsinki:20270330T090000",
        "DTSTART;TZID=Europe/Helsinki:20270331T130000",
        "DTEND;TZID=Europe/Helsinki:20270331T140000",
    ),
    event("holiday@test", "DTSTART;VALUE=DATE:20270401", "DTEND;VALUE=DATE:20270402"),
    event(
        "newyork@test",
        "DTSTART;TZID=Eastern Standard Time:20270312T100000",
        "DTEND;TZID=Eastern Standard Time:20270312T110000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
    ),
    event(
        "free@test",
        "DTSTART:20270317T120000Z",
        "DTEND:20270317T130000Z",
        "TRANSP:TRANSPARENT",
    ),
    event(
        "cancelled@test",
        "DTSTART:20270318T120000Z",
        "DTEND:20270318T130000Z",
        "STATUS:CANCELLED",
    ),
)

ONE_EVENT = calendar(event("one@test", "DTSTART:20270317T080000Z", "DTEND:20270317T090000Z"))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    send_length: bool = True
    hang: bool = False
    delay: float = 0.0
    # Seconds between the bytes of the raw answer after its first `trickle_after` bytes.
    trickle: float = 0.0
    trickle_after: int = 0
    chunked: bool = False


class CalendarServer:
    def __init__(self):
        self.answers: dict[str, Answer] = {}
        self.requests: list[str] = []
        # Of each trickled answer: how many bytes were written before the client left (None:
        # the client read it all).
        self.trickled: list[int | None] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                answer = server.answers.get(self.path, Answer(status=404, body=b"not found"))
                if answer.hang:
                    server.release.wait(30)
                    return
                if answer.delay:
                    server.release.wait(answer.delay)
                if answer.trickle:
                    self.trickle(answer)
                    return
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.send_length:
                    self.send_header("Content-Length", str(len(answer.body)))
                else:
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(answer.body)

            def trickle(self, answer):
                if answer.chunked:
                    head = "Transfer-Encoding: chunked\r\n"
                    # A chunk extension (valid, ignored by readers) makes the chunk line long.
                    body = b"%x;pad=%s\r\n%s\r\n0\r\n\r\n" % (
                        len(answer.body),
                        b"x" * 100,
                        answer.body,
                    )
                else:
                    head = f"Content-Length: {len(answer.body)}\r\n"
                    body = answer.body
                raw = (
                    f"HTTP/1.1 {answer.status} OK\r\nContent-Type: text/calendar\r\n"
                    f"X-Padding: {'x' * 40}\r\n{head}\r\n"
                ).encode() + body
                self.close_connection = True
                self.wfile.write(raw[: answer.trickle_after])
                self.wfile.flush()
                for written, byte in enumerate(raw[answer.trickle_after :]):
                    if server.release.wait(answer.trickle):
                        server.trickled.append(answer.trickle_after + written)
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # The client has left.
                        server.trickled.append(answer.trickle_after + written)
                        return
                server.trickled.append(None)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def serve(self, path: str, body: bytes = b"", **options) -> str:
        self.answers[path] = Answer(body=body, **options)
        return self.url(path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# What the tests look at (the `server` fixture, in conftest.py, serves on 127.0.0.1).

NOW = datetime(2027, 3, 12, 12, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def use(url: str) -> None:
    CalendarSync.objects.update_or_create(pk=1, defaults={"source_url": url})


def stored() -> list[tuple]:
    return list(BusyInterval.objects.values_list("start", "end"))


def status() -> CalendarSync:
    return CalendarSync.objects.get(pk=1)
