"""The feed of Henna's meetings that her phone's calendar subscribes to (webcal://).

Every meeting from 30 days back on, a cancelled one as STATUS:CANCELLED, each with the
meeting's stable UID and SEQUENCE so that calendars update the event they have. By default an
event names only the meeting type and the inquiry's reference, with a link to the admin: the
feed ends up on phones and on Google's or Apple's servers. Henna may turn names on.

Cheap to serve, since calendars ask for it every few minutes: one query for the meetings (as
plain values), and each event is built with icalendar once per version of its contents and
then reused (the memo is keyed on everything that goes into it, so it is never stale).

bookings.invitations builds the invitation a client gets; its event differs (organiser,
attendee, the client's language, no admin link), and only location() is shared.
"""

from datetime import UTC, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from services.content import cached_practice

from .invitations import PRODID, location
from .models import CalendarFeed, Meeting, MeetingType

DAYS_BACK = 30
# How often calendars that honour it (Apple, Outlook) should fetch the feed again.
REFRESH = timedelta(minutes=15)

# What goes into an event, read as text: it is only compared with the memo's keys (turning
# 1,500 timestamps into datetimes on every poll would cost more than all the rest). The
# datetimes and the UID are read only for the events not built yet.
KEY_COLUMNS = (
    "pk",
    "start_text",
    "end_text",
    "updated_text",
    "sequence",
    "status",
    "place",
    "meeting_type__name",
    "meeting_type__video_link",
    "inquiry_id",
    "inquiry__reference",
)
# Built events by key; a key holds everything that goes into its event, so none is ever stale.
MEMO: dict[tuple, bytes] = {}
MEMO_MAX = 20_000


def feed_path(token: str) -> str:
    return reverse("calendar_feed", kwargs={"token": token})


def new_feed_address() -> dict:
    """A new secret address; the old one stops working when this commits. Returns the
    address as webcal:// (for phones) and https:// (for Google Calendar)."""
    with transaction.atomic():
        feed = CalendarFeed.load()
        token = feed.new_token()
        feed.created_at = timezone.now()
        feed.save()
    https = settings.SITE_URL + feed_path(token)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def build_feed(*, with_names: bool, now=None) -> bytes:
    now = now or timezone.now()
    columns = (*KEY_COLUMNS, "inquiry__name") if with_names else KEY_COLUMNS
    with translation.override(settings.LANGUAGE_CODE):
        practice = cached_practice()
        context = (
            (practice.name, practice.postal_address) if practice else None,
            settings.SITE_URL,
        )
        keys = [
            (*row, context)
            for row in Meeting.objects.filter(start__gte=now - timedelta(days=DAYS_BACK))
            .annotate(
                start_text=Cast("start", CharField()),
                end_text=Cast("end", CharField()),
                updated_text=Cast("updated_at", CharField()),
            )
            .values_list(*columns)
        ]
        events = {key: MEMO.get(key) for key in keys}
        missing = [key for key, ical in events.items() if ical is None]
        if missing:
            events.update(build_events(missing))
        head, tail = calendar_frame()
    # The calendar's own lines around the events, each serialised by icalendar.
    return b"".join([head, *filter(None, (events[key] for key in keys)), tail])


def build_events(keys: list[tuple]) -> dict[tuple, bytes]:
    exact = {
        pk: rest
        for pk, *rest in Meeting.objects.filter(pk__in=[key[0] for key in keys]).values_list(
            "pk", "uid", "start", "end", "updated_at"
        )
    }
    built = {key: event_ical(key, *exact[key[0]]) for key in keys if key[0] in exact}
    if len(MEMO) + len(built) > MEMO_MAX:
        MEMO.clear()
    MEMO.update(built)
    return built


@lru_cache(maxsize=1)
def calendar_frame() -> tuple[bytes, bytes]:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Aventuria: tapaamiset"))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    text = calendar.to_ical()
    head, end, _rest = text.rpartition(b"END:VCALENDAR\r\n")
    return head, end


class Place:
    def __init__(self, name, postal_address):
        self.name, self.postal_address = name, postal_address


def event_ical(key: tuple, uid: str, start, end, updated_at) -> bytes:
    """One meeting's VEVENT, from exactly the values in its key."""
    (_pk, _s, _e, _u, sequence, status, place_value, type_name, video_link) = key[:9]
    inquiry_id, reference = key[9:11]
    name = key[11] if len(key) > 12 else None
    place, site_url = key[-1]
    meeting = Meeting(
        place=place_value, meeting_type=MeetingType(name=type_name, video_link=video_link)
    )
    cancelled = status not in Meeting.ACTIVE_STATUSES
    admin_link = site_url + reverse("admin:bookings_inquiry_change", args=[inquiry_id])
    summary = " · ".join(part for part in (type_name, name, reference) if part)
    if cancelled:
        summary = _("Peruttu: %(summary)s") % {"summary": summary}
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", updated_at.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", summary)
    event.add("location", location(meeting, Place(*place) if place else None))
    event.add("url", admin_link)
    event.add(
        "description",
        "\n".join(
            [
                _("Viite: %(reference)s") % {"reference": reference},
                _("Tila: %(status)s") % {"status": Meeting.Status(status).label},
                _("Ylläpidossa: %(link)s") % {"link": admin_link},
            ]
        ),
    )
    return event.to_ical()


@require_safe
def feed_view(request, token: str):
    """GET the feed by its secret address; anything else about the address is a 404."""
    feed = CalendarFeed.objects.filter(pk=1).first()
    if feed is None or not feed.accepts(token):
        raise Http404
    response = HttpResponse(
        build_feed(with_names=feed.with_names), content_type="text/calendar; charset=utf-8"
    )
    # Personal: no shared cache (nor the browser's) may keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
