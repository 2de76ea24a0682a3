"""The real calendar files, read by the four independent parsers the issue's calendar programs
use: icalendar (ours), vobject with validation, ics, and in Node ical.js (Thunderbird's) and
node-ical. Each must read every file without an error and see the same event: UID, SEQUENCE,
start, METHOD (none in the download), the display names, and the feed's refresh DURATION."""

import json
import shutil
import subprocess
from datetime import UTC, timedelta
from pathlib import Path

import ics
import pytest
import vobject
from django.utils import timezone
from icalendar import Calendar

from bookings.calendar.feed import build_feed
from bookings.outbox.invitations import build_invitation, invitation_ics_response
from services.models import Practice
from tests.aventuria.node_tools import NODE_MODULES, require
from tests.bookings.meetings import VIDEO_LINK, book, cancel, make_meeting

# Checks of files, not of the database: CI runs them in one leg (pytest.mark.once).
pytestmark = [pytest.mark.django_db, pytest.mark.once]

TYPED = 'Ann "Annie" O\'Brien; Kotka: tiimi, ^x'
SHOWN = "Ann Annie O'Brien Kotka tiimi x"
SCRIPT = Path(__file__).with_name("parse_calendars.mjs")


@pytest.fixture
def files(tmp_path) -> dict[str, tuple[Path, str | None]]:
    """Each kind of file the site writes, saved as a client or a phone would get it, with the
    METHOD each must have."""
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=10)
    meeting = book(start)
    meeting.inquiry.name = TYPED
    meeting.inquiry.save()
    practice = Practice.objects.get()
    written = {
        "request": (build_invitation(meeting, practice, method="REQUEST"), "REQUEST"),
        "download": (invitation_ics_response(meeting, Practice.load()).content, None),
    }
    make_meeting(start + timedelta(days=1), name=TYPED)
    written["feed"] = (build_feed(with_names=True), None)
    cancel(meeting)
    written["cancel"] = (build_invitation(meeting, practice, method="CANCEL"), "CANCEL")
    saved = {}
    for name, (content, method) in written.items():
        path = tmp_path / f"{name}.ics"
        path.write_bytes(content)
        saved[name] = (path, method)
    return saved


def events_by_icalendar(path: Path) -> list:
    return Calendar.from_ical(path.read_bytes()).walk("VEVENT")


def test_vobject_validates_every_file_and_reads_the_names_whole(files):
    for name, (path, method) in files.items():
        calendar = vobject.readOne(path.read_text(encoding="utf-8"), validate=True)
        assert getattr(calendar, "method", None) is None or calendar.method.value == method, name
        if method is None:
            assert "method" not in calendar.contents, name
        ours = {str(event["uid"]): event for event in events_by_icalendar(path)}
        for event in calendar.vevent_list:
            expected = ours[event.uid.value]
            assert int(event.sequence.value) == expected["sequence"]
            assert event.dtstart.value.astimezone(UTC) == expected.decoded("dtstart")
            if hasattr(event, "attendee"):
                assert event.attendee.params["CN"] == [SHOWN], name
        if name == "feed":
            assert calendar.contents["x-published-ttl"][0].value == "PT15M"


def test_ics_reads_every_file_and_the_names_whole(files):
    for name, (path, _method) in files.items():
        calendar = ics.Calendar(path.read_text(encoding="utf-8"))
        ours = {str(event["uid"]): event for event in events_by_icalendar(path)}
        assert {event.uid for event in calendar.events} == set(ours), name
        for event in calendar.events:
            assert event.begin.datetime.astimezone(UTC) == ours[event.uid].decoded("dtstart")
            for attendee in event.attendees:
                assert attendee.common_name == SHOWN, name


def test_ical_js_and_node_ical_read_every_file_alike(files):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js (the accessibility checks need it too)")
    for package in ("ical.js", "node-ical"):
        require(NODE_MODULES / package / "package.json")
    paths = [str(path) for path, _method in files.values()]
    result = subprocess.run(  # noqa: S603 - our own script on our own files
        [node, str(SCRIPT), *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=NODE_MODULES.parent,
    )
    seen = json.loads(result.stdout)
    for name, (path, method) in files.items():
        ours = {str(event["uid"]): event for event in events_by_icalendar(path)}
        for parser in ("ical.js", "node-ical"):
            read = seen[str(path)][parser]
            assert "error" not in read, (name, parser, read)
            assert read["method"] == method, (name, parser)
            assert {event["uid"] for event in read["events"]} == set(ours), (name, parser)
            for event in read["events"]:
                expected = ours[event["uid"]]
                assert event["sequence"] == expected["sequence"], (name, parser)
                start = expected.decoded("dtstart").isoformat().replace("+00:00", ".000Z")
                assert event["start"] == start, (name, parser)
                if "ATTENDEE" in expected:
                    assert event["attendee"] == SHOWN, (name, parser, event)
                if "ORGANIZER" in expected:
                    assert event["organizer"] == "Aventuria ohjaus & terapia", (name, parser)
        if name == "feed":
            assert seen[str(path)]["ical.js"]["ttl"] == 15 * 60
        if name == "request":
            [event] = seen[str(path)]["ical.js"]["events"]
            assert event["conference"] == event["location"] == VIDEO_LINK
