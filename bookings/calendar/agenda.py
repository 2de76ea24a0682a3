"""Henna's week at a glance in the admin: today, the rest of this week and the next weeks, each
meeting with its time, type and reference, and the busy times from her own calendar, greyed.

Two queries for the data, whatever the number of meetings (values, not model instances: the
page lists hundreds of rows on a busy month).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from html import escape

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..models import BusyInterval, Meeting
from ..models.calendar import UTCText, parse_utc

WEEKS_AHEAD = 4


def clock(moment: datetime) -> str:
    # As times are written in Finnish (and in the admin's English too): 9.05, 14.30.
    return f"{moment.hour}.{moment.minute:02d}"


class Entries:
    """The lines of the agenda: each meeting or busy time as one <li>, escaped here rather
    than in a template loop, which would cost a busy month's page most of its time."""

    def __init__(self):
        # Translated once per page, not once per line.
        self.busy_label = escape(_("Varattu omassa kalenterissa"))
        self.all_day = escape(_("koko päivä"))

    def times(self, start: datetime, end: datetime, all_day: bool = False) -> str:
        return self.all_day if all_day else f"{clock(start)}–{clock(end)}"

    def busy(self, start: datetime, end: datetime, all_day: bool) -> SafeString:
        return mark_safe(  # noqa: S308 - every value is escaped or ours
            f'<li class="agenda-busy"><span class="agenda-time">{self.times(start, end, all_day)}'
            f"</span> <span>{self.busy_label}</span></li>"
        )

    def meeting(self, start, end, *, type_name, status, url, reference, place) -> SafeString:
        what = escape(type_name) + (f" ({escape(status)})" if status else "")
        where = f" · {escape(place)}" if place else ""
        return mark_safe(  # noqa: S308 - every value is escaped or ours
            f'<li class="agenda-meeting"><span class="agenda-time">{self.times(start, end)}'
            f'</span> <span class="agenda-what">{what} · <a href="{escape(url)}">'
            f"{escape(reference)}</a>{where}</span></li>"
        )


@dataclass
class Day:
    date: date
    # (start, is busy, line): sorted by time, meetings before busy times that start with them.
    items: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return date_format(self.date, "l j.n.")

    @cached_property
    def entries(self) -> SafeString:
        """The day's lines, joined: each is escaped already (Entries)."""
        lines = [line for _start, _busy, line in sorted(self.items, key=lambda i: i[:2])]
        return mark_safe("".join(lines))  # noqa: S308 - escaped line by line


@dataclass
class Section:
    title: str
    days: list


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


def days_with_entries(first: date, last: date) -> dict[date, Day]:
    """Each day from first to last (inclusive) with its meetings and busy times, by start."""
    start, end = midnight(first), midnight(last + timedelta(days=1))
    days = {
        first + timedelta(days=n): Day(first + timedelta(days=n))
        for n in range((last - first).days + 1)
    }
    # The inquiry's admin address differs only by its id: reversed once, not per row.
    url_pattern = reverse("admin:bookings_inquiry_change", args=[0]).replace("/0/", "/{}/")
    local = timezone.get_current_timezone()  # Helsinki
    # Translated once per page: each label is a lazy string, translated whenever it is used.
    places = {value: str(label) for value, label in Meeting.Place.choices}
    statuses = {value: str(label) for value, label in Meeting.Status.choices}
    meetings = (
        Meeting.objects.active()
        .filter(start__lt=end, end__gt=start)
        .order_by("start")
        .annotate(start_utc=UTCText("start"), end_utc=UTCText("end"))
        .values_list(
            "start_utc",
            "end_utc",
            "status",
            "place",
            "meeting_type__name",
            "inquiry_id",
            "inquiry__reference",
        )
    )
    lines = Entries()
    for m_start, m_end, status, place, type_name, inquiry_id, reference in meetings:
        local_start = parse_utc(m_start).astimezone(local)
        day = days.get(local_start.date())
        if day is not None:
            line = lines.meeting(
                local_start,
                parse_utc(m_end).astimezone(local),
                type_name=type_name,
                status="" if status == Meeting.Status.BOOKED else statuses.get(status, ""),
                url=url_pattern.format(inquiry_id),
                reference=reference,
                place=places.get(place, ""),
            )
            day.items.append((local_start, False, line))
    for b_start, b_end in BusyInterval.objects.overlapping(start, end):
        # A busy time over several days (a holiday) shows on each of them.
        day_date = max(b_start.astimezone(local).date(), first)
        while day_date <= last and midnight(day_date) < b_end:
            day_start, day_end = midnight(day_date), midnight(day_date + timedelta(days=1))
            piece_start = max(b_start, day_start).astimezone(local)
            piece_end = min(b_end, day_end).astimezone(local)
            all_day = piece_start == day_start and piece_end == day_end
            days[day_date].items.append(
                (piece_start, True, lines.busy(piece_start, piece_end, all_day))
            )
            day_date += timedelta(days=1)
    return days


def sections(now: datetime | None = None) -> list[Section]:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(weeks=WEEKS_AHEAD + 1, days=-1)
    days = days_with_entries(today, last)
    this_week = [days[today + timedelta(days=n)] for n in range(1, 7 - today.weekday())]
    result = [
        Section(_("Tänään"), [days[today]]),
        Section(_("Loppuviikko"), [day for day in this_week if day.items]),
    ]
    for week in range(1, WEEKS_AHEAD + 1):
        week_monday = monday + timedelta(weeks=week)
        week_days = [days[week_monday + timedelta(days=n)] for n in range(7)]
        title = _("Viikko %(number)s: %(first)s–%(last)s") % {
            "number": week_monday.isocalendar().week,
            "first": date_format(week_monday, "j.n."),
            "last": date_format(week_monday + timedelta(days=6), "j.n.Y"),
        }
        result.append(Section(title, [day for day in week_days if day.items]))
    return result


def soon(now: datetime | None = None) -> list[Day]:
    """Today and tomorrow, for the admin's front page."""
    today = timezone.localdate(now)
    days = days_with_entries(today, today + timedelta(days=1))
    return list(days.values())


def agenda_view(request, *, site):
    if not request.user.has_perm("bookings.view_meeting"):
        raise PermissionDenied
    context = {
        **site.each_context(request),
        "title": _("Viikkonäkymä"),
        "sections": sections(),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "admin/bookings/agenda.html", context)
