"""The feed of Henna's meetings that her phone's calendar subscribes to (webcal://).

Every meeting from 30 days back on, a cancelled one as STATUS:CANCELLED, each with the
meeting's stable UID and SEQUENCE so that calendars update the event they have. By default an
event names only the meeting type and the inquiry's reference, with a link to the admin: the
feed ends up on phones and on Google's or Apple's servers. Henna may turn names on.

Cheap to serve, since calendars ask for it every few minutes: the finished feed is kept in the
site's one cache (aventuria.cache) under what it is made of, the content version (type names,
the practice's address), the day its window starts, and the count and latest change of its
meetings and their inquiries: one aggregate query tells whether the copy is still the feed.

bookings.outbox.invitations builds the invitation a client gets; its event differs (organiser,
attendee, the client's language, no admin link), and only location() is shared.
"""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, vDuration

from aventuria.cache import cached
from services.content import cached_practice

from ..models import CalendarFeed, Meeting
from ..outbox.invitations import PRODID, location

DAYS_BACK = 30
# How often calendars that honour it (Apple, Outlook) should fetch the feed again.
REFRESH = timedelta(minutes=15)


def feed_path(token: str) -> str:
    return reverse("calendar_feed", kwargs={"token": token})


def new_feed_address() -> dict:
    """A new secret address; the old one stops working when this commits. Returns the
    address as webcal:// (for phones) and https:// (for Google Calendar), and whether there
    was an earlier one that has now stopped working (`replaced`)."""
    with transaction.atomic():
        feed = CalendarFeed.load()
        replaced = bool(feed.token_hash)
        token = feed.new_token()
        feed.created_at = timezone.now()
        feed.save()
    https = settings.SITE_URL + feed_path(token)
    return {
        "https": https,
        "webcal": "webcal://" + https.split("://", 1)[1],
        "replaced": replaced,
    }


def build_feed(*, with_names: bool, now=None) -> bytes:
    # From midnight (Helsinki) 30 days back: the window, and so the copy, changes once a day.
    first_day = timezone.localdate(now or timezone.now()) - timedelta(days=DAYS_BACK)
    meetings = Meeting.objects.filter(
        start__gte=timezone.make_aware(datetime.combine(first_day, time(0)))
    )
    state = meetings.aggregate(
        count=Count("pk"), changed=Max("updated_at"), inquiry_changed=Max("inquiry__updated_at")
    )
    stamps = [v.isoformat() if v else "-" for v in (state["changed"], state["inquiry_changed"])]
    key = ":".join(["calendar-feed", str(with_names), str(first_day), str(state["count"]), *stamps])
    return cached(key, lambda: render_feed(meetings, with_names=with_names))


def render_feed(meetings, *, with_names: bool) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        practice = cached_practice()
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Aventuria: tapaamiset"))
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        # Added as a vDuration: a bare timedelta on an X- property is written as Python's
        # "0:15:00", which is no DURATION (ical.js refuses it, Outlook ignores it).
        calendar.add("x-published-ttl", vDuration(REFRESH))
        for meeting in meetings.select_related("meeting_type", "inquiry").order_by("start"):
            calendar.add_component(feed_event(meeting, practice, with_names=with_names))
        return calendar.to_ical()


def feed_event(meeting: Meeting, practice, *, with_names: bool) -> Event:
    """One meeting's VEVENT: the type, the reference (and the name if Henna wants it), the
    admin link; never the client's contact details or what they wrote."""
    inquiry = meeting.inquiry
    admin_link = settings.SITE_URL + inquiry.get_admin_url()
    name = inquiry.name if with_names else ""
    summary = " · ".join(
        part for part in (meeting.meeting_type.name, name, inquiry.reference) if part
    )
    if not meeting.is_active:
        summary = _("Peruttu: %(summary)s") % {"summary": summary}
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    if not meeting.is_active:
        status = "CANCELLED"
    else:  # A hold not confirmed yet may still go away by itself.
        status = "TENTATIVE" if meeting.is_hold else "CONFIRMED"
    event.add("status", status)
    event.add("summary", summary)
    event.add("location", location(meeting, practice))
    event.add("url", admin_link)
    event.add(
        "description",
        "\n".join(
            [
                _("Viite: %(reference)s") % {"reference": inquiry.reference},
                _("Tila: %(status)s") % {"status": meeting.get_status_display()},
                _("Ylläpidossa: %(link)s") % {"link": admin_link},
            ]
        ),
    )
    return event


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
