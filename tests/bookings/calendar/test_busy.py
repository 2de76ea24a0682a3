"""Busy times from Henna's own calendar, served by a local calendar server: what is stored and
what is left out (recurrences, time zones, all-day events), and the cron command.

A calendar that cannot be read changes nothing but the status Henna sees: broken or huge
files, hanging or refusing servers, addresses on private networks; and one email after an hour."""

import socket
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.calendar.busy import sync_busy_calendar
from bookings.models import BusyInterval
from tests.bookings.calendar_server import (
    HENNAS_CALENDAR,
    NOW,
    ONE_EVENT,
    calendar,
    event,
    status,
    stored,
    use,
    utc,
)


@pytest.mark.django_db
def test_recurring_events_time_zones_and_all_day_events_become_the_busy_times(server):
    use(server.serve("/henna.ics", HENNAS_CALENDAR))
    result = sync_busy_calendar(now=NOW)
    assert result.ok
    assert stored() == [
        # Fridays 10-11 in New York: 15 UTC in winter time, 14 UTC after the US change on 14.3.
        (utc(2027, 3, 12, 15), utc(2027, 3, 12, 16)),
        # Tuesdays 9-10 in Helsinki: 7 UTC in winter time...
        (utc(2027, 3, 16, 7), utc(2027, 3, 16, 8)),
        (utc(2027, 3, 19, 14), utc(2027, 3, 19, 15)),
        # ...23.3. left out (EXDATE), 30.3. moved to Wednesday 31.3. 13-14 (RECURRENCE-ID)...
        (utc(2027, 3, 31, 10), utc(2027, 3, 31, 11)),
        # Thursday 1.4. all day: Helsinki midnight to midnight, in summer time.
        (utc(2027, 3, 31, 21), utc(2027, 4, 1, 21)),
        # ...and still 9-10 in Helsinki after the change on 28.3.: 6 UTC.
        (utc(2027, 4, 6, 6), utc(2027, 4, 6, 7)),
        (utc(2027, 4, 13, 6), utc(2027, 4, 13, 7)),
        (utc(2027, 4, 20, 6), utc(2027, 4, 20, 7)),
    ]
    sync = status()
    assert sync.last_success_at == NOW
    assert sync.last_error == ""


@pytest.mark.django_db
def test_only_times_are_stored_never_titles_or_descriptions(server):
    use(server.serve("/henna.ics", HENNAS_CALENDAR))
    sync_busy_calendar(now=NOW)
    assert [field.name for field in BusyInterval._meta.get_fields()] == ["id", "start", "end"]


@pytest.mark.django_db
def test_overlapping_reads_only_the_busy_times_in_the_range(server):
    use(server.serve("/henna.ics", HENNAS_CALENDAR))
    sync_busy_calendar(now=NOW)
    rows = list(BusyInterval.objects.overlapping(utc(2027, 3, 31, 10, 30), utc(2027, 4, 6, 6)))
    assert rows == [
        (utc(2027, 3, 31, 10), utc(2027, 3, 31, 11)),
        (utc(2027, 3, 31, 21), utc(2027, 4, 1, 21)),
    ]


@pytest.mark.django_db
def test_events_that_overlap_are_stored_as_one_busy_time(server):
    use(
        server.serve(
            "/overlap.ics",
            calendar(
                event("a@test", "DTSTART:20270317T080000Z", "DTEND:20270317T100000Z"),
                event("b@test", "DTSTART:20270317T090000Z", "DTEND:20270317T110000Z"),
                event("c@test", "DTSTART:20270317T120000Z", "DURATION:PT30M"),
            ),
        )
    )
    sync_busy_calendar(now=NOW)
    assert stored() == [
        (utc(2027, 3, 17, 8), utc(2027, 3, 17, 11)),
        (utc(2027, 3, 17, 12), utc(2027, 3, 17, 12, 30)),
    ]


@pytest.mark.django_db
def test_a_new_fetch_replaces_the_old_busy_times(server):
    url = server.serve("/henna.ics", HENNAS_CALENDAR)
    use(url)
    sync_busy_calendar(now=NOW)
    server.serve("/henna.ics", ONE_EVENT)
    sync_busy_calendar(now=NOW)
    assert stored() == [(utc(2027, 3, 17, 8), utc(2027, 3, 17, 9))]


@pytest.mark.django_db
def test_redirects_are_followed(server):
    server.serve("/final.ics", ONE_EVENT)
    server.serve("/old.ics", status=301, headers={"Location": "/final.ics"})
    use(server.url("/old.ics"))
    assert sync_busy_calendar(now=NOW).ok
    assert stored() == [(utc(2027, 3, 17, 8), utc(2027, 3, 17, 9))]
    assert server.requests == ["/old.ics", "/final.ics"]


@pytest.mark.django_db
def test_without_an_address_nothing_is_fetched(server):
    assert sync_busy_calendar(now=NOW).ok
    assert server.requests == []


@pytest.mark.django_db
def test_the_cron_command_stores_the_busy_times_or_fails_with_the_reason(server):
    tomorrow = (timezone.now() + timedelta(days=1)).strftime("%Y%m%d")
    body = calendar(
        event("a@test", f"DTSTART:{tomorrow}T080000Z", f"DTEND:{tomorrow}T090000Z"),
        event("b@test", f"DTSTART:{tomorrow}T120000Z", f"DTEND:{tomorrow}T130000Z"),
    )
    use(server.serve("/henna.ics", body))
    out = StringIO()
    call_command("sync_busy_calendar", stdout=out)
    assert out.getvalue().strip() == "Busy calendar: 2 busy intervals stored."
    use(server.serve("/broken.ics", b"nope"))
    with pytest.raises(CommandError, match="kelvollista iCalendar"):
        call_command("sync_busy_calendar")
    assert BusyInterval.objects.count() == 2


@pytest.mark.django_db
def test_an_iana_time_zone_without_its_vtimezone_is_honoured(server):
    body = calendar(
        event(
            "ny@test",
            "DTSTART;TZID=America/New_York:20270401T090000",
            "DTEND;TZID=America/New_York:20270401T093000",
        ),
        # A floating time (no zone at all) is Helsinki time.
        event("floating@test", "DTSTART:20270402T090000", "DTEND:20270402T100000"),
    )
    use(server.serve("/ny.ics", body))
    sync_busy_calendar(now=NOW)
    assert stored() == [
        (utc(2027, 4, 1, 13), utc(2027, 4, 1, 13, 30)),
        (utc(2027, 4, 2, 6), utc(2027, 4, 2, 7)),
    ]


def wait_until(condition, seconds: float = 5) -> bool:
    """Until the server has noticed the client leave (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def fails_keeping_the_old_times(server, url: str, *, now=NOW) -> str:
    """Sync a good calendar, then the given address: return the error Henna sees."""
    use(server.serve("/good.ics", ONE_EVENT))
    assert sync_busy_calendar(now=now - timedelta(minutes=5)).ok
    use(url)
    result = sync_busy_calendar(now=now)
    assert not result.ok
    assert stored() == [(utc(2027, 3, 17, 8), utc(2027, 3, 17, 9))], "the last busy times stay"
    sync = status()
    assert sync.last_success_at == now - timedelta(minutes=5)
    assert sync.last_attempt_at == now
    assert sync.failing_since == now
    assert sync.last_error == result.error
    return sync.last_error


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n",
        b"<!doctype html><html><body>Google Calendar</body></html>",
        calendar(event("x@test", "DTSTART:2027031", "DTEND:20270317T090000Z")),
        b"\xff\xfe\x00\x00 binary",
    ],
    ids=["cut-short", "a-web-page", "bad-time", "binary"],
)
def test_a_broken_file_changes_nothing_and_says_why(server, body):
    error = fails_keeping_the_old_times(server, server.serve("/broken.ics", body))
    assert error.startswith("Osoitteesta ei tullut kelvollista iCalendar-kalenteria")


@pytest.mark.django_db
@pytest.mark.parametrize("send_length", [True, False], ids=["with-length", "without-length"])
def test_a_file_over_the_size_limit_is_refused(server, settings, send_length):
    settings.BUSY_CALENDAR_MAX_BYTES = 50_000
    huge = calendar(
        *(
            event(f"{n}@test", "DTSTART:20270317T080000Z", "DTEND:20270317T090000Z")
            for n in range(1000)
        )
    )
    assert len(huge) > 50_000
    url = server.serve("/huge.ics", huge, send_length=send_length)
    error = fails_keeping_the_old_times(server, url)
    assert error == "Kalenteri on liian suuri (yli 0.05 Mt), joten sitä ei luettu."


@pytest.mark.django_db
def test_a_server_that_hangs_is_given_up_on_after_the_timeout(server, settings):
    settings.BUSY_CALENDAR_TIMEOUT = 0.5
    error = fails_keeping_the_old_times(server, server.serve("/hang.ics", hang=True))
    assert error == "Kalenteria ei saatu haettua: palvelin ei vastannut 0.5 sekunnissa."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trickle_after", "chunked"),
    [(0, False), (len("HTTP/1.1 200 OK\r\n"), False), (150, True)],
    ids=["status-line", "headers", "chunk-lines"],
)
def test_a_server_that_trickles_its_answer_is_given_up_on_at_the_deadline(
    server, settings, trickle_after, chunked
):
    """A byte every 0.2 s keeps every single read short: only a deadline over the whole
    exchange stops it (the answer would take about a minute)."""
    settings.BUSY_CALENDAR_TIMEOUT = 1
    url = server.serve(
        "/slow.ics", ONE_EVENT, trickle=0.2, trickle_after=trickle_after, chunked=chunked
    )
    error = fails_keeping_the_old_times(server, url)
    assert error == "Kalenteria ei saatu haettua: palvelin ei vastannut 1 sekunnissa."
    # Given up on at the deadline, a few bytes on (5 a second), not once the status line and
    # headers, or the chunk, had all come in.
    assert wait_until(lambda: server.trickled)
    assert server.trickled[0] is not None
    assert server.trickled[0] < trickle_after + 20


@pytest.mark.django_db
def test_a_trickled_answer_that_ends_before_the_deadline_is_read(server):
    url = server.serve("/slow.ics", ONE_EVENT, trickle=0.001, trickle_after=100, chunked=True)
    use(url)
    assert sync_busy_calendar(now=NOW).ok
    assert stored() == [(utc(2027, 3, 17, 8), utc(2027, 3, 17, 9))]


@pytest.mark.django_db
def test_a_name_server_that_does_not_answer_is_given_up_on_at_the_deadline(
    server, settings, monkeypatch
):
    settings.BUSY_CALENDAR_TIMEOUT = 0.5
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "slow-dns.example.com":
            server.release.wait(30)  # Released when the test ends.
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    url = f"http://slow-dns.example.com:{server.httpd.server_port}/henna.ics"
    error = fails_keeping_the_old_times(server, url)
    assert error == "Kalenteria ei saatu haettua: palvelin ei vastannut 0.5 sekunnissa."


@pytest.mark.django_db
def test_an_unexpected_failure_is_recorded_for_henna_like_any_other(server, monkeypatch):
    """Not only the failures foreseen: whatever goes wrong, the status says so and, after an
    hour, Henna gets the email (the worker's thread used to log it and go stale silently)."""
    from bookings.calendar import busy

    use(server.serve("/henna.ics", HENNAS_CALENDAR))
    assert sync_busy_calendar(now=NOW).ok

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(busy, "expand_bounded", broken)
    result = sync_busy_calendar(now=NOW + timedelta(minutes=5))
    assert (
        result.error == "Kalenteria ei saatu luettua odottamattoman virheen vuoksi (RuntimeError)."
    )
    assert status().last_error == result.error
    assert len(stored()) == 8, "the last busy times stay"
    assert mail.outbox == []
    assert sync_busy_calendar(now=NOW + timedelta(hours=1, minutes=5)).ok is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_error_page_is_reported_with_its_status(server):
    error = fails_keeping_the_old_times(server, server.serve("/gone.ics", status=404))
    assert error.startswith("Kalenteria ei saatu haettua: palvelin vastasi 404.")


@pytest.mark.django_db
def test_endless_redirects_are_given_up_on(server):
    server.serve("/loop.ics", status=302, headers={"Location": "/loop.ics"})
    error = fails_keeping_the_old_times(server, server.url("/loop.ics"))
    assert error == "Kalenteria ei saatu haettua: liian monta uudelleenohjausta."


@pytest.mark.django_db
def test_a_rule_repeating_every_minute_is_refused(server):
    body = calendar(
        event("spam@test", "DTSTART:20270317T080000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY")
    )
    error = fails_keeping_the_old_times(server, server.serve("/spam.ics", body))
    assert error.startswith("Kalenterissa on liikaa tapahtumia")


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "10.0.0.1", "169.254.1.1"])
def test_an_address_on_a_private_or_loopback_network_is_refused(server, settings, host):
    url = server.serve("/henna.ics", HENNAS_CALENDAR).replace("127.0.0.1", host)
    use(url)
    settings.BUSY_CALENDAR_ALLOW_PRIVATE = False
    result = sync_busy_calendar(now=NOW)
    assert not result.ok
    assert "yksityisessä tai paikallisessa verkossa" in status().last_error
    assert server.requests == [], "nothing was fetched"
    assert stored() == []


@pytest.mark.django_db
def test_a_name_with_any_private_address_is_refused_before_connecting(
    server, settings, monkeypatch
):
    """A hostile name server may answer with a public and a private address at once; every one
    is checked, and the connection would go to the checked one only."""
    settings.BUSY_CALENDAR_ALLOW_PRIVATE = False
    real_getaddrinfo = socket.getaddrinfo
    port = server.httpd.server_port

    def getaddrinfo(host, *args, **kwargs):
        if host == "calendar.example.com":
            public = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))
            private = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))
            return [public, private]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server.serve("/henna.ics", HENNAS_CALENDAR)
    use(f"http://calendar.example.com:{port}/henna.ics")
    assert not sync_busy_calendar(now=NOW).ok
    assert "calendar.example.com on yksityisessä" in status().last_error
    assert server.requests == []


@pytest.mark.django_db
def test_henna_is_emailed_once_when_it_has_failed_for_an_hour(server):
    broken = server.serve("/broken.ics", b"not a calendar")
    fails_keeping_the_old_times(server, broken)
    assert mail.outbox == []
    sync_busy_calendar(now=NOW + timedelta(minutes=59))
    assert mail.outbox == []
    sync_busy_calendar(now=NOW + timedelta(minutes=60))
    sync_busy_calendar(now=NOW + timedelta(minutes=65))
    sync_busy_calendar(now=NOW + timedelta(hours=5))
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["henna@aventuria.fi"] or email.to[0].endswith("@aventuria.fi")
    assert email.subject == "Oman kalenterisi varattuja aikoja ei ole saatu haettua tuntiin"
    assert "Osoitteesta ei tullut kelvollista iCalendar-kalenteria" in email.body
    assert "/admin/bookings/calendarsync/1/change/" in email.body
    assert "broken.ics" not in email.body, "the secret address stays out of email"
    # Working again, then failing again: a new hour, a new email.
    use(server.url("/good.ics"))
    assert sync_busy_calendar(now=NOW + timedelta(hours=6)).ok
    assert status().failing_since is None
    use(broken)
    sync_busy_calendar(now=NOW + timedelta(hours=7))
    sync_busy_calendar(now=NOW + timedelta(hours=8))
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_event_with_two_rules_gives_the_times_of_both(server):
    """RFC 5545 allows several RRULE lines; icalendar then gives a list, not one rule."""
    body = calendar(
        event(
            "two-rules@test",
            "DTSTART:20270315T080000Z",
            "DTEND:20270315T090000Z",
            "RRULE:FREQ=WEEKLY;COUNT=2",
            "RRULE:FREQ=DAILY;COUNT=2;BYHOUR=12",
        )
    )
    use(server.serve("/two.ics", body))
    assert sync_busy_calendar(now=NOW).ok
    assert stored() == [
        (utc(2027, 3, 15, 8), utc(2027, 3, 15, 9)),
        (utc(2027, 3, 15, 12), utc(2027, 3, 15, 13)),
        (utc(2027, 3, 16, 12), utc(2027, 3, 16, 13)),
        (utc(2027, 3, 22, 8), utc(2027, 3, 22, 9)),
    ]


@pytest.mark.django_db
def test_an_event_with_two_rules_one_every_minute_is_refused(server):
    body = calendar(
        event(
            "two-rules@test",
            "DTSTART:20270315T080000Z",
            "DTEND:20270315T090000Z",
            "RRULE:FREQ=WEEKLY;COUNT=2",
            "RRULE:FREQ=MINUTELY",
        )
    )
    error = fails_keeping_the_old_times(server, server.serve("/two.ics", body))
    assert "liikaa tapahtumia" in error


SECONDS_BOMB = event(
    "bomb@test",
    "DTSTART:20270101T000000Z",
    "DTEND:20270101T000001Z",
    "RRULE:FREQ=DAILY;BYHOUR="
    + ",".join(map(str, range(24)))
    + ";BYMINUTE="
    + ",".join(map(str, range(60)))
    + ";BYSECOND="
    + ",".join(map(str, range(60))),
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        # 583 bytes of rule, 86,400 times a day.
        calendar(SECONDS_BOMB),
        # Every hour since 1900: a million steps before the window starts.
        calendar(
            *(
                event(f"hourly{n}@test", "DTSTART:19000101T000000Z", "DURATION:PT1M").replace(
                    "END:VEVENT", "RRULE:FREQ=HOURLY\nEND:VEVENT"
                )
                for n in range(20)
            )
        ),
        # Every half hour: 2,760 times in the window; no appointment repeats like that.
        calendar(
            event(
                "many@test",
                "DTSTART:20270312T000000Z",
                "DURATION:PT1M",
                "RRULE:FREQ=DAILY;BYMINUTE=0,30;BYHOUR=" + ",".join(map(str, range(24))),
            )
        ),
    ],
    ids=["seconds", "hourly-since-1900", "over-2000-times-of-one-event"],
)
def test_a_rule_that_expands_to_too_many_times_is_refused_with_the_reason(server, body):
    error = fails_keeping_the_old_times(server, server.serve("/bomb.ics", body))
    assert "Kalenterissa on liikaa tapahtumia" in error


@pytest.mark.django_db
def test_a_file_whose_reading_takes_too_much_cpu_is_stopped_and_refused(server, monkeypatch):
    """Expanding many rules costs seconds; the child doing it is stopped at its CPU limit
    (8 s in production, 1 s here) and Henna is told why nothing changed."""
    from bookings.calendar import expand

    monkeypatch.setattr(expand, "CPU_SECONDS", 1)
    body = calendar(
        *(
            event(
                f"d{n}@test",
                f"DTSTART:2000{n % 12 + 1:02d}01T{n % 24:02d}0000Z",
                "DURATION:PT1M",
                "RRULE:FREQ=DAILY",
            )
            for n in range(1500)
        )
    )
    error = fails_keeping_the_old_times(server, server.serve("/heavy.ics", body))
    assert "vei liikaa aikaa tai muistia" in error


@pytest.mark.django_db
def test_a_file_with_thousands_of_time_zones_is_refused_before_reading_them(server):
    zones = [
        "BEGIN:VTIMEZONE\nTZID:Zone{n}\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
        "RRULE:FREQ=YEARLY;BYMONTH=1\nTZOFFSETFROM:+0{h}00\nTZOFFSETTO:+0{h}00\n"
        "END:STANDARD\nEND:VTIMEZONE".format(n=n, h=n % 9)
        for n in range(2000)
    ]
    error = fails_keeping_the_old_times(server, server.serve("/zones.ics", calendar(*zones)))
    assert error == "Kalenterissa on liikaa aikavyöhykkeitä (yli 100), joten sitä ei luettu."
