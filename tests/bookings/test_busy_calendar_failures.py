"""A calendar that cannot be read changes nothing but the status Henna sees: broken or huge
files, hanging or refusing servers, addresses on private networks; and one email after an hour."""

import socket
from datetime import timedelta

import pytest
from django.core import mail

from bookings.busy import sync_busy_calendar
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
