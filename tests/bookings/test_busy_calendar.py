"""Busy times from Henna's own calendar, served by a local calendar server: what is stored and
what is left out (recurrences, time zones, all-day events), and the cron command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.busy import sync_busy_calendar
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
