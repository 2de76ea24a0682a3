"""The booking form: free times as radio buttons, one fieldset per day, then the client's details.

Each time's value is its start in ISO 8601 with its UTC offset (2027-01-12T09:00:00+02:00); the
form only reads it, the booking write path decides whether the time is still free.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from html import escape

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext_lazy as _

from services.validators import validate_phone

from ..inquiries.forms import ErrorSummaryForm, ProtectedForm, TextField, interpolate_lazy
from ..models import Inquiry, Meeting
from .meetings import MAX_YEAR, MIN_YEAR
from .slots import HELSINKI

NOTE_MAX_LENGTH = 500


def day_legend(day) -> str:
    return legend_in(get_language(), day)


# A week's labels were a sixth of the booking page's time through date_format and pgettext per
# time: each language's label of a day or a time of day is made once per process.
@lru_cache(maxsize=1024)
def legend_in(language: str | None, day: date) -> str:
    # Translators: a day's heading above its free times, a Django date format ("ti 12.1.2027").
    return date_format(day, pgettext("booking day", "D j.n.Y"))


@lru_cache(maxsize=1024)
def time_label_in(language: str | None, hour: int, minute: int) -> str:
    # Translators: a free time's label, a Django time format ("9.00").
    return date_format(datetime(2000, 1, 1, hour, minute), pgettext("booking time", "G.i"))


def week_label(monday: date) -> str:
    """The week's heading in the picker, the way each language writes a range of days:
    "Viikko 7.12.–13.12.2026", "Week of 7–13 December 2026"; a week across months or years
    names both ends in full ("Week of 28 December 2026 – 3 January 2027")."""
    sunday = monday + timedelta(days=6)
    if monday.year != sunday.year:
        # Translators: a week's first day when the week spans two years ("28.12.2026").
        first_format = pgettext("week start, other year", "j.n.Y")
    elif monday.month != sunday.month:
        # Translators: a week's first day when the week spans two months ("30.11.").
        first_format = pgettext("week start, other month", "j.n.")
    else:
        # Translators: a week's first day when the week is within a month ("7.12.").
        first_format = pgettext("week start, same month", "j.n.")
    values = {
        "first": date_format(monday, first_format),
        # Translators: a week's last day, a Django date format ("13.12.2026").
        "last": date_format(sunday, pgettext("week end", "j.n.Y")),
    }
    if monday.month == sunday.month:
        return pgettext("week within a month", "Viikko %(first)s–%(last)s") % values
    return pgettext("week across months", "Viikko %(first)s–%(last)s") % values


def time_label(instant: datetime) -> str:
    local = instant.astimezone(HELSINKI)
    return time_label_in(get_language(), local.hour, local.minute)


def slot_value(instant: datetime) -> str:
    return instant.astimezone(HELSINKI).isoformat()


def grouped_choices(starts: list[datetime]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Free starts as choices grouped by Helsinki day, for SlotSelect."""
    language = get_language()
    groups: dict = {}
    for start in starts:
        local = start.astimezone(HELSINKI)
        groups.setdefault(local.date(), []).append(
            (local.isoformat(), time_label_in(language, local.hour, local.minute))
        )
    return [(legend_in(language, day), options) for day, options in groups.items()]


class SlotSelect(forms.RadioSelect):
    """Radio buttons in a fieldset per day, the day as its legend. Written out here by a plain
    loop rather than by a template or format_html per option: a week has some forty, and they
    were a quarter of the booking page's time. The markup is Django's RadioSelect's in its
    essentials (ids id_slot_<day>_<n>, "required" and "checked" on the inputs).

    `current`: the value of the meeting's own time when it is being moved, shown among the
    times, marked, and not selectable."""

    current: str | None = None

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return slot_radios(
            self.choices,
            name=name,
            base_id=attrs.get("id", f"id_{name}"),
            required=bool(attrs.get("required")),
            selected="" if value is None or value == "" else str(value),
            current=self.current,
        )


def slot_radios(
    groups, *, name: str, base_id: str, required: bool, selected: str = "", current=None
) -> str:
    """The radios of grouped_choices() as SlotSelect writes them; the booking page calls this
    directly, without a form or a widget to build per request."""
    flags = " required" if required else ""
    name, base_id = escape(name), escape(base_id)
    current_note = None
    days = []
    for day_index, (legend, options) in enumerate(groups):
        items = []
        for index, (option_value, label) in enumerate(options):
            label = escape(label)
            if option_value == current:
                if current_note is None:
                    current_note = escape(
                        pgettext("the meeting's own time in the picker", "nykyinen aikasi")
                    )
                items.append(
                    f'<li class="slot-current"><span>{label} <small>{current_note}'
                    "</small></span></li>"
                )
                continue
            option_id = f"{base_id}_{day_index}_{index}"
            checked = " checked" if option_value == selected else ""
            items.append(
                f'<li><input type="radio" name="{name}" value="{escape(option_value)}"'
                f' id="{option_id}"{checked}{flags}><label for="{option_id}">{label}</label>'
                "</li>"
            )
        days.append(
            f'<fieldset class="slot-day"><legend>{escape(legend)}</legend>'
            f'<ul class="slot-times">{NEWLINE.join(items)}</ul></fieldset>'
        )
    return mark_safe(NEWLINE.join(days))  # noqa: S308 - every value and label is escaped above


NEWLINE = "\n"


class SlotField(forms.Field):
    """A meeting start: an ISO 8601 instant with its offset. Any other value is refused."""

    widget = SlotSelect
    default_error_messages = {
        "required": _("Valitse tapaamisaika."),
        "invalid": _("Valitse tapaamisaika listasta."),
    }

    def __init__(self, **kwargs):
        self.choices = []
        super().__init__(**kwargs)

    def set_choices(self, starts: list[datetime], *, current: datetime | None = None) -> None:
        """The times to offer; `current` (the meeting being moved) is shown among them, marked
        as its time now and not selectable."""
        self.widget.current = slot_value(current) if current is not None else None
        if current is not None:
            starts = sorted({*starts, current})
        self.widget.choices = grouped_choices(starts)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or len(value) > 40:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        # No offset, or a date no booking could have (and date arithmetic would overflow on).
        if timezone.is_naive(instant) or not MIN_YEAR <= instant.year <= MAX_YEAR:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return instant


class SlotForm(ErrorSummaryForm):
    """Only a time: the manage page's move form."""

    slot = SlotField(label=_("Tapaamisaika"))

    def __init__(self, *args, starts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].set_choices(list(starts))
        self.fields["slot"].widget.attrs["required"] = True

    def error_anchor(self, field) -> str:
        # The times are a fieldset per day: lead to the picker as a whole.
        return "slot-picker" if field.name == "slot" else super().error_anchor(field)


class BookingForm(ProtectedForm, SlotForm):
    name = TextField(
        label=_("Nimi"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Kirjoita nimesi.")},
    )
    email = forms.EmailField(
        label=_("Sähköposti"),
        max_length=254,
        help_text=_("Lähetän vahvistuksen ja kalenterikutsun tähän osoitteeseen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Kirjoita sähköpostiosoitteesi, jotta voin lähettää vahvistuksen."),
            "invalid": _("Tarkista sähköpostiosoite, esimerkiksi nimi@esimerkki.fi."),
        },
    )
    phone = TextField(
        label=_("Puhelin (vapaaehtoinen)"),
        max_length=30,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    considered_kind = forms.ChoiceField(
        label=_("Millaista työnohjausta harkitset?"),
        choices=Inquiry._meta.get_field("considered_kind").choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Valitse, millaista työnohjausta harkitset.")},
    )
    place = forms.ChoiceField(
        label=_("Missä tapaamme?"),
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Valitse, tapaammeko etänä vai Kotkassa.")},
    )
    note = TextField(
        multiline=True,
        label=_("Lyhyt viesti (vapaaehtoinen)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=interpolate_lazy(
            _(
                "Enintään %(max)s merkkiä. Älä kirjoita terveydentilaasi tai muita "
                "arkaluonteisia tietoja: niistä voimme puhua tavatessamme."
            ),
            {"max": NOTE_MAX_LENGTH},
        ),
        error_messages={
            "max_length": _(
                "Viesti on liian pitkä: enintään %(limit_value)d merkkiä (nyt %(show_value)d)."
            )
        },
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("Hyväksy tietojesi käsittely, jotta voin varata ajan.")},
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Meeting.Place.choices)
        if len(places) > 1:
            self.fields["place"].choices = [(place, labels[place]) for place in places]
        else:
            # One place only: nothing to ask.
            del self.fields["place"]
        self.fields["consent"].label = format_html(
            _(
                'Olen lukenut <a href="{}">tietosuojaselosteen</a> ja hyväksyn, että tietojani '
                "käsitellään ajanvarauksen hoitamiseksi."
            ),
            reverse("services:privacy"),
        )
        self.mark_inputs(not_required=("token", "slot"))
        self.helper = FormHelper()
        # The page writes the <form> tag: the times come before these fields.
        self.helper.form_tag = False
        self.helper.form_show_errors = True
        meeting = [name for name in ("considered_kind", "place") if name in self.fields]
        self.helper.layout = Layout(
            Fieldset(_("Tapaaminen"), *meeting),
            Fieldset(_("Yhteystietosi"), "name", "email", "phone", "note"),
            "consent",
            Div("website", css_class="hp", aria_hidden="true"),
            "token",
        )
