"""The booking page: pick a free time in a week and book it (the client's own pages after that
are in bookings.scheduling.manage_views)."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from aventuria.cache import cached_in_one_trip
from aventuria.shared_pages import page_address
from services.content import cached_practice, cached_privacy_notice

from ..inquiries import services
from ..inquiries.spam import FormToken, client_key
from . import availability, meetings
from .forms import BookingForm, grouped_choices, slot_radios, week_label
from .slots import local_date

# Stand-ins for the per-visitor parts in the cached copy of the empty booking page.
SLOTS_SLOT = mark_safe("<!-- booking-slots -->")
TOKEN_SLOT = "booking-form-token-slot"  # noqa: S105 - a placeholder, not a secret
CSRF_SLOT = "booking-form-csrf-slot"

ERRORS = {
    meetings.TAKEN: (
        409,
        "slot",
        lambda: _("Valitsemasi aika ehdittiin juuri varata. Valitse jokin vielä vapaista ajoista."),
    ),
    meetings.NOT_OFFERED: (
        400,
        "slot",
        lambda: _("Valitsemaasi aikaa ei voi varata. Valitse jokin tarjolla olevista ajoista."),
    ),
    meetings.TOO_MANY: (
        400,
        None,
        lambda: _(
            "Tällä sähköpostiosoitteella on jo kaksi tulevaa varausta. Voit perua tai siirtää "
            "niitä vahvistusviestin linkistä, tai ota yhteyttä puhelimitse tai sähköpostilla."
        ),
    ),
    meetings.RATE_LIMITED: (
        429,
        None,
        lambda: _(
            "Tästä osoitteesta on lähetetty juuri monta yhteydenottoa tai varausta. Yritä "
            "myöhemmin uudelleen tai ota yhteyttä puhelimitse tai sähköpostilla."
        ),
    ),
    meetings.HOLDS_PENDING: (
        429,
        None,
        lambda: _(
            "Tästä osoitteesta on jo varauksia, joita ei ole vahvistettu. Vahvista ne "
            "sähköpostiisi tulleesta linkistä, tai ota yhteyttä puhelimitse tai sähköpostilla."
        ),
    ),
    meetings.HOLDS_FULL: (
        503,
        None,
        lambda: _(
            "Juuri nyt moni uusi varaus odottaa vahvistusta, joten uusia varauksia ei hetkeen "
            "oteta vastaan. Yritä puolen tunnin päästä uudelleen tai ota yhteyttä puhelimitse "
            "tai sähköpostilla."
        ),
    ),
    meetings.UNCONFIRMED: (
        400,
        None,
        lambda: _(
            "Vahvista varaus ensin sähköpostiisi tulleesta linkistä; sen jälkeen voit siirtää sitä."
        ),
    ),
    meetings.EXPIRED: (
        410,
        None,
        lambda: _("Varausta ei vahvistettu ajoissa, joten aika vapautettiin muille."),
    ),
    meetings.TOO_MANY_MOVES: (
        429,
        None,
        lambda: _(
            "Tapaamista on jo siirretty kolme kertaa vuorokauden sisällä. Jos aika ei vieläkään "
            "sovi, ota yhteyttä puhelimitse tai sähköpostilla."
        ),
    ),
    meetings.TOO_LATE: (
        400,
        None,
        lambda: _(
            "Tapaamista ei voi enää muuttaa täällä. Ota yhteyttä puhelimitse tai sähköpostilla."
        ),
    ),
    meetings.NOT_ACTIVE: (400, None, lambda: _("Tapaaminen on jo peruttu.")),
    meetings.SCHEDULED: (
        400,
        None,
        lambda: _(
            "Sovitun tapaamisen uudesta ajasta sovitaan kanssani. Ota yhteyttä puhelimitse tai "
            "sähköpostilla."
        ),
    ),
}


def client_error(code: str) -> tuple:
    """(status, field, message) for a refusal on the client's pages; a refusal only Henna's
    changes meet reads as "cannot be changed here"."""
    return ERRORS.get(code, ERRORS[meetings.TOO_LATE])


class Week:
    """The week of free times shown: one week at a time, Monday to Sunday, within the horizon."""

    def __init__(self, meeting_type, requested: str | None, now=None):
        now = now or timezone.now()
        self.first = monday(availability.first_bookable_day(meeting_type, now))
        self.last_day = availability.last_bookable_day(meeting_type, now)
        self.last = monday(self.last_day)
        chosen = parse_date(requested)
        self.explicit = chosen is not None
        self.monday = min(max(monday(chosen), self.first), self.last) if chosen else self.first

    @property
    def window(self) -> availability.Window:
        return availability.Window(self.monday, self.monday + timedelta(days=6))

    @property
    def label(self) -> str:
        return week_label(self.monday)

    @property
    def is_last(self) -> bool:
        """The last week with bookable days: the page says that booking goes no further."""
        return self.monday >= self.last

    @property
    def previous(self) -> date | None:
        return self.monday - timedelta(days=7) if self.monday > self.first else None

    @property
    def next(self) -> date | None:
        return self.monday + timedelta(days=7) if self.monday < self.last else None

    def free_slots(self, meeting_type, *, ignore_meeting_id=None, rules=None) -> list:
        starts = availability.free_slots(
            meeting_type, self.window, ignore_meeting_id=ignore_meeting_id, rules=rules
        )
        if not starts and not self.explicit and self.next is not None:
            # The first visit, and this week has no time left: show the next one instead.
            self.monday = self.next
            starts = availability.free_slots(
                meeting_type, self.window, ignore_meeting_id=ignore_meeting_id, rules=rules
            )
        return starts


# Stand-in for the week's radios in the picker's frame.
RADIOS_SLOT = mark_safe("<!-- booking-radios -->")
_frames: dict[tuple, str] = {}


class FrameSlot:
    """What the picker's template reads of the form's time field on a GET: no errors, whether
    the week has times, and a stand-in for the radios."""

    errors = ()

    def __init__(self, has_times: bool):
        self.field = SimpleNamespace(widget=SimpleNamespace(choices=has_times))

    def __str__(self) -> str:
        return RADIOS_SLOT


def picker_frame(week: Week, practice, has_times: bool) -> str:
    """The picker around a week's radios (week links, label, notes) as every visitor of that
    week sees it, rendered once per process: a template was a quarter of the page's time. Kept
    by everything it shows (the language, the week, the horizon, the practice's contacts)."""
    contacts = practice and (practice.email, practice.phone_display, practice.phone_uri)
    key = (get_language(), week.monday, week.first, week.last, week.last_day, has_times, contacts)
    frame = _frames.get(key)
    if frame is None:
        if len(_frames) >= 256:
            _frames.clear()
        frame = _frames[key] = render_to_string(
            "bookings/_slot_picker.html",
            {"form": {"slot": FrameSlot(has_times)}, "week": week, "practice": practice},
        )
    return frame


def parse_date(value) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def slot_week(form) -> str | None:
    """The week of the time the visitor chose, to show that week again with an error."""
    try:
        parsed = form.fields["slot"].to_python(form.data.get("slot"))
    except ValidationError:
        return None
    return local_date(parsed).isoformat() if parsed else None


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class BookingView(View):
    template_name = "bookings/booking_form.html"
    csrf_failed = False  # set by aventuria.views.csrf_failure

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            # Everything the page reads from the cache, in one round trip (see get()).
            self.page = cached_in_one_trip(f"booking-page:{page_address(request)}", self.page_parts)
            self.rules = self.page["rules"]
        else:
            self.rules = availability.cached_rules()
        self.meeting_type = self.rules.bookable_type
        if self.meeting_type is None:
            return TemplateResponse(request, "bookings/booking_closed.html")
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None, **kwargs):
        return BookingForm(data, places=self.meeting_type.places, **kwargs)

    def render(self, form, *, week=None, status=200, slot_picker=None):
        week = Week(self.meeting_type, week)
        if slot_picker is None:
            form.fields["slot"].set_choices(week.free_slots(self.meeting_type, rules=self.rules))
        context = {
            "form": form,
            "week": week,
            "meeting_type": self.meeting_type,
            "slot_picker": slot_picker,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def page_parts(self) -> dict:
        """What every visitor's booking page shares, kept in the cache under one key: the
        booking rules, the practice's details and the page without its times and tokens."""
        self.rules = availability.read_rules()
        self.meeting_type = self.rules.bookable_type
        return {
            "rules": self.rules,
            "practice": cached_practice(),
            "html": self.render_empty_page() if self.meeting_type is not None else None,
        }

    def get(self, request):
        # The page is the same for everyone but for the week's times and two tokens, and
        # crispy-forms takes ~10 ms to render the details part: render the rest once per content
        # version (which the booking rules are part of) and address, as the inquiry form is,
        # then put this visitor's times and tokens into it. The rules, the practice and that
        # page come in one round trip to the cache (dispatch); the week's busy times in one query.
        meeting_type = self.meeting_type
        week = Week(meeting_type, request.GET.get("week"))
        starts = week.free_slots(meeting_type, rules=self.rules)
        radios = slot_radios(grouped_choices(starts), name="slot", base_id="id_slot", required=True)
        picker = picker_frame(week, self.page["practice"], bool(starts)).replace(
            RADIOS_SLOT, radios
        )
        return HttpResponse(
            self.page["html"]
            .replace(SLOTS_SLOT, picker)
            .replace(TOKEN_SLOT, FormToken.issue())
            .replace(CSRF_SLOT, get_token(request))
        )

    def render_empty_page(self) -> str:
        response = self.render(
            self.make_form(initial={"token": TOKEN_SLOT}), slot_picker=SLOTS_SLOT
        )
        response.context_data["csrf_token"] = CSRF_SLOT
        return response.rendered_content

    @method_decorator(sensitive_variables())
    def post(self, request):
        form = self.make_form(request.POST)
        if self.csrf_failed:
            message = _(
                "Lomakkeen turvatarkistus vanheni, joten aikaa ei vielä varattu. Tarkista tiedot "
                "ja lähetä lomake uudelleen."
            )
            return self.render_with_error(form, None, message, status=403)
        if not form.is_valid():
            return self.render(form, week=slot_week(form), status=400)
        data = form.cleaned_data
        token = FormToken.read(data["token"])
        if token is None:
            message = _("Lomake ehti vanhentua. Tarkista tiedot ja lähetä lomake uudelleen.")
            return self.render_with_error(form, None, message, status=400)
        key = client_key(request)
        is_spam = bool(data["website"]) or token.filled_too_fast()
        if services.rate_limited(client_key=key, submission_id=token.submission_id):
            if is_spam:
                return redirect("bookings:thanks")
            message = _(
                "Tästä osoitteesta on lähetetty juuri monta yhteydenottoa tai varausta. Yritä "
                "myöhemmin uudelleen tai ota yhteyttä puhelimitse tai sähköpostilla."
            )
            return self.render_with_error(form, None, message, status=429)
        details = {
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "language": get_language(),
            "client_key": key,
            "privacy_notice": cached_privacy_notice(),
        }
        if is_spam:
            # Stored quietly without a meeting (so it holds no time), counted by the rate limit.
            services.submit_inquiry(
                submission_id=token.submission_id,
                kind="intro",
                message=data["note"],
                is_spam=True,
                **details,
            )
            return redirect("bookings:thanks")
        try:
            meeting, _created = meetings.book_meeting(
                submission_id=token.submission_id,
                meeting_type=self.meeting_type,
                start=data["slot"],
                place=data.get("place") or self.meeting_type.places[0],
                considered_kind=data["considered_kind"],
                note=data["note"],
                **details,
            )
        except meetings.MeetingRefused as error:
            status, field, message = client_error(error.code)
            return self.render_with_error(form, field, message(), status=status)
        return redirect("bookings:confirmation", token=meeting.manage_token)

    def render_with_error(self, form, field, message, *, status):
        new_data = form.data.copy()
        # The visitor filled the form in once already: sending it again at once is no bot's haste.
        new_data["token"] = FormToken.issue(age=settings.INQUIRY_MIN_FILL_SECONDS)
        week = slot_week(form)
        if field == "slot":
            new_data.pop("slot", None)  # the time is gone: choose another
        refreshed = self.make_form(new_data)
        refreshed.is_valid()
        if field == "slot":
            refreshed.errors.pop("slot", None)
        refreshed.add_error(field, message)
        return self.render(refreshed, week=week, status=status)
