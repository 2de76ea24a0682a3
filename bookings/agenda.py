"""Henna's week at a glance in the admin: today, the rest of this week and the next weeks, each
meeting with its time, type and reference, and the busy times from her own calendar, greyed.

Two queries for the data, whatever the number of meetings (values, not model instances: the
page lists hundreds of rows on a busy month).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import BusyInterval, Meeting

WEEKS_AHEAD = 4


def clock(moment: datetime) -> str:
    # As times are written in Finnish (and in the admin's English too): 9.05, 14.30.
    return f"{moment.hour}.{moment.minute:02d}"


@dataclass
class Entry:
    start: datetime
    end: datetime
    busy: bool = False
    type_name: str = ""
    reference: str = ""
    inquiry_url: str = ""
    place: str = ""
    status: str = ""
    all_day: bool = False

    @property
    def times(self) -> str:
        if self.all_day:
            return _("koko päivä")
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass
class Day:
    date: date
    entries: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return date_format(self.date, "l j.n.")

    @property
    def meeting_count(self) -> int:
        return sum(not entry.busy for entry in self.entries)


@dataclass
class Section:
    title: str
    days: list
    show_empty: bool = False


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
    places = dict(Meeting.Place.choices)
    statuses = dict(Meeting.Status.choices)
    meetings = (
        Meeting.objects.active()
        .filter(start__lt=end, end__gt=start)
        .order_by("start")
        .values_list(
            "start",
            "end",
            "status",
            "place",
            "meeting_type__name",
            "inquiry_id",
            "inquiry__reference",
        )
    )
    for m_start, m_end, status, place, type_name, inquiry_id, reference in meetings:
        local_start = timezone.localtime(m_start)
        day = days.get(local_start.date())
        if day is not None:
            day.entries.append(
                Entry(
                    start=local_start,
                    end=timezone.localtime(m_end),
                    type_name=type_name,
                    reference=reference,
                    inquiry_url=url_pattern.format(inquiry_id),
                    place=places.get(place, ""),
                    status="" if status == Meeting.Status.BOOKED else statuses.get(status, ""),
                )
            )
    for b_start, b_end in BusyInterval.objects.overlapping(start, end):
        # A busy time over several days (a holiday) shows on each of them.
        day_date = max(timezone.localtime(b_start).date(), first)
        while day_date <= last and midnight(day_date) < b_end:
            day_start, day_end = midnight(day_date), midnight(day_date + timedelta(days=1))
            piece_start, piece_end = max(b_start, day_start), min(b_end, day_end)
            days[day_date].entries.append(
                Entry(
                    start=timezone.localtime(piece_start),
                    end=timezone.localtime(piece_end),
                    busy=True,
                    all_day=piece_start == day_start and piece_end == day_end,
                )
            )
            day_date += timedelta(days=1)
    for day in days.values():
        day.entries.sort(key=lambda entry: (entry.start, entry.busy))
    return days


def sections(now: datetime | None = None) -> list[Section]:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(weeks=WEEKS_AHEAD + 1, days=-1)
    days = days_with_entries(today, last)
    this_week = [days[today + timedelta(days=n)] for n in range(1, 7 - today.weekday())]
    result = [
        Section(_("Tänään"), [days[today]], show_empty=True),
        Section(_("Loppuviikko"), [day for day in this_week if day.entries]),
    ]
    for week in range(1, WEEKS_AHEAD + 1):
        week_monday = monday + timedelta(weeks=week)
        week_days = [days[week_monday + timedelta(days=n)] for n in range(7)]
        title = _("Viikko %(number)s: %(first)s–%(last)s") % {
            "number": week_monday.isocalendar().week,
            "first": date_format(week_monday, "j.n."),
            "last": date_format(week_monday + timedelta(days=6), "j.n.Y"),
        }
        result.append(Section(title, [day for day in week_days if day.entries]))
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
