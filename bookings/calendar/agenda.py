"""Henna's week at a glance in the admin: today, the rest of this week and the next weeks (or
any five weeks, or a month), each meeting with its time, type, client and place, the busy times
from her own calendar greyed, and public holidays and her days off named.

The page is behind her login, so it names the client; the phone feed (feed.py) does not.

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
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import AvailabilityException, BusyInterval, Inquiry, Meeting
from ..models.calendar import UTCText, parse_utc
from ..scheduling.slots import holidays_between

WEEKS_AHEAD = 4
# The weeks one page of ?week= shows, and the step of its previous and next links.
WEEKS_PER_PAGE = WEEKS_AHEAD + 1


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

    def meeting(
        self, start, end, *, type_name, status, url, reference, place, client=""
    ) -> SafeString:
        what = escape(type_name) + (f" ({escape(status)})" if status else "")
        who = f'<span class="agenda-client">{escape(client)}</span> · ' if client else ""
        where = f" · {escape(place)}" if place else ""
        return mark_safe(  # noqa: S308 - every value is escaped or ours
            f'<li class="agenda-meeting"><span class="agenda-time">{self.times(start, end)}'
            f'</span> <span class="agenda-what">{what} · {who}<a href="{escape(url)}">'
            f"{escape(reference)}</a>{where}</span></li>"
        )


def client_label(name: str, organisation: str, kind: str) -> str:
    """Who the meeting is with: the team's organisation for group and work community
    supervision (with the contact person), else the client's name."""
    if organisation and kind in Inquiry.GROUP_KINDS:
        return f"{organisation} ({name})" if name else organisation
    return name


@dataclass
class Day:
    date: date
    # (start, is busy, line): sorted by time, meetings before busy times that start with them.
    items: list = field(default_factory=list)
    # What makes the day different: a public holiday's name, a day off.
    notes: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return date_format(self.date, "l j.n.")

    @property
    def shown(self) -> bool:
        return bool(self.items or self.notes)

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
    language = "fi" if get_language() == "fi" else "en_US"
    for day_date, name in holidays_between(first, last, language).items():
        if day_date in days:
            days[day_date].notes.append(_("%(name)s (arkipyhä)") % {"name": name})
    days_off = AvailabilityException.objects.filter(
        kind=AvailabilityException.Kind.OFF, start_date__lte=last
    ).exclude(end_date__lt=first)
    for day_off in days_off:
        text = _("Vapaa: %(note)s") % {"note": day_off.note} if day_off.note else _("Vapaapäivä")
        day_date = max(day_off.start_date, first)
        while day_date <= min(day_off.last_date, last):
            days[day_date].notes.append(text)
            day_date += timedelta(days=1)
    unconfirmed = str(_("vahvistamatta"))
    meetings = (
        Meeting.objects.active()
        .filter(start__lt=end, end__gt=start)
        .exclude(hold_until__lte=timezone.now())  # Not confirmed in time: the time is free.
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
            "inquiry__name",
            "inquiry__organisation",
            "inquiry__kind",
            "hold_until",
        )
    )
    lines = Entries()
    for row in meetings:
        m_start, m_end, status, place, type_name, inquiry_id, reference = row[:7]
        client, hold_until = row[7:10], row[10]
        if hold_until is not None:  # A new client's booking not yet confirmed from the email.
            shown_status = unconfirmed
        else:
            shown_status = "" if status == Meeting.Status.BOOKED else statuses.get(status, "")
        local_start = parse_utc(m_start).astimezone(local)
        day = days.get(local_start.date())
        if day is not None:
            line = lines.meeting(
                local_start,
                parse_utc(m_end).astimezone(local),
                type_name=type_name,
                status=shown_status,
                url=url_pattern.format(inquiry_id),
                reference=reference,
                place=places.get(place, ""),
                client=client_label(*client),
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


def week_title(week_monday: date) -> str:
    return _("Viikko %(number)s: %(first)s–%(last)s") % {
        "number": week_monday.isocalendar().week,
        "first": date_format(week_monday, "j.n."),
        "last": date_format(week_monday + timedelta(days=6), "j.n.Y"),
    }


def sections(now: datetime | None = None) -> list[Section]:
    """Today, the rest of this week and the next four weeks."""
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    last = monday + timedelta(weeks=WEEKS_AHEAD + 1, days=-1)
    days = days_with_entries(today, last)
    this_week = [days[today + timedelta(days=n)] for n in range(1, 7 - today.weekday())]
    result = [
        Section(_("Tänään"), [days[today]]),
        Section(_("Loppuviikko"), [day for day in this_week if day.shown]),
    ]
    for week in range(1, WEEKS_AHEAD + 1):
        week_monday = monday + timedelta(weeks=week)
        week_days = [days[week_monday + timedelta(days=n)] for n in range(7)]
        result.append(Section(week_title(week_monday), [day for day in week_days if day.shown]))
    return result


def week_sections(first: date, last: date) -> list[Section]:
    """Each week from first to last, its days that have something, by week."""
    days = days_with_entries(first, last)
    result = []
    for day in days.values():
        if not result or day.date.weekday() == 0:
            result.append(Section(week_title(day.date - timedelta(days=day.date.weekday())), []))
        if day.shown:
            result[-1].days.append(day)
    return result


def parse_month(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


def parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def page_for(query, today: date) -> dict:
    """What the page shows for its query: ?month=YYYY-MM, ?week=YYYY-MM-DD (five weeks from
    that week's Monday), or nothing (today and the next weeks), with its neighbours' links."""
    base = reverse("admin:agenda")
    this_monday = today - timedelta(days=today.weekday())
    month = parse_month(query.get("month", ""))
    if month is not None and 2000 <= month.year <= 2100:
        after = add_months(month, 1)
        return {
            "heading": date_format(month, "F Y").capitalize(),
            "sections": week_sections(month, after - timedelta(days=1)),
            "previous_url": f"{base}?month={add_months(month, -1):%Y-%m}",
            "previous_label": _("Edellinen kuukausi"),
            "next_url": f"{base}?month={after:%Y-%m}",
            "next_label": _("Seuraava kuukausi"),
            "other_url": f"{base}?week={month:%Y-%m-%d}",
            "other_label": _("Viikkoina"),
        }
    first = parse_day(query.get("week", ""))
    if first is not None and 2000 <= first.year <= 2100:
        monday = first - timedelta(days=first.weekday())
        page_sections = week_sections(monday, monday + timedelta(weeks=WEEKS_PER_PAGE, days=-1))
        heading = ""
    else:
        monday = this_monday
        page_sections = sections()
        heading = ""
    return {
        "heading": heading,
        "sections": page_sections,
        "previous_url": f"{base}?week={monday - timedelta(weeks=WEEKS_PER_PAGE):%Y-%m-%d}",
        "previous_label": _("Edelliset viikot"),
        "next_url": f"{base}?week={monday + timedelta(weeks=WEEKS_PER_PAGE):%Y-%m-%d}",
        "next_label": _("Seuraavat viikot"),
        "other_url": f"{base}?month={monday:%Y-%m}",
        "other_label": _("Kuukausinäkymä"),
    }


def soon(now: datetime | None = None) -> list[Day]:
    """Today and tomorrow, for the admin's front page."""
    today = timezone.localdate(now)
    days = days_with_entries(today, today + timedelta(days=1))
    return list(days.values())


def agenda_view(request, *, site):
    if not request.user.has_perm("bookings.view_meeting"):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        **site.each_context(request),
        "title": _("Viikkonäkymä"),
        "today": today,
        "today_url": reverse("admin:agenda"),
        **page_for(request.GET, today),
    }
    return TemplateResponse(request, "admin/bookings/agenda.html", context)
