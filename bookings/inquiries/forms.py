import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext_lazy as _

from services.models import Goal
from services.validators import validate_phone

from ..models import MESSAGE_MAX_LENGTH, PARTICIPANTS_MAX, PARTICIPANTS_MIN, Inquiry

# Control characters have no place in a form field; line breaks and tabs do, in the message.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def interpolate_lazy(message, values: dict):
    """message % values, translated when shown: a plain % would fix the language at import."""
    return lazy(lambda: message % values, str)()


class TextField(forms.CharField):
    """A CharField that drops control characters and, unless multiline, extra whitespace."""

    def __init__(self, *, multiline=False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            # Browsers send line breaks as CRLF but count them as one character.
            value = CONTROL_CHARS_RE.sub("", value.replace("\r\n", "\n"))
            if not self.multiline:
                value = " ".join(value.split())
        return super().to_python(value)


class HoneypotField(forms.CharField):
    """A field only bots fill in. Whatever they put there, however long, the form still goes
    through (and is stored as spam): an error message would tell the bot's author the trick.
    Nothing of it is kept but whether it was filled, so a long value is cut, never refused."""

    LIMIT = 200

    def to_python(self, value):
        return super().to_python(value)[: self.LIMIT]


class GoalsField(forms.ModelMultipleChoiceField):
    """Goals chosen by id. An id larger than any database integer is an invalid choice, like
    any unknown id: SQLite would raise OverflowError on it and the visitor see an error page."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else ():
            try:
                too_large = abs(int(pk)) >= 2**63
            except (TypeError, ValueError):
                continue  # Not a number at all: the parent reports it.
            if too_large:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class ErrorSummaryForm(forms.Form):
    """A form with the summary of its errors that the page shows above it."""

    def error_anchor(self, field) -> str:
        """The id of the input an error of this field leads to."""
        if isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
            return field.auto_id + "_0"  # A group of options: point at the first one.
        return field.auto_id

    def fields_in_page_order(self) -> list:
        """The bound fields in the order the page shows them: the crispy layout's order, after
        any field the page writes before the layout itself (the booking form's times)."""
        layout = getattr(getattr(self, "helper", None), "layout", None)
        if layout is None:
            return list(self)
        in_layout = [pointer.name for pointer in layout.get_field_names()]
        before = [name for name in self.fields if name not in in_layout]
        return [self[name] for name in before + in_layout if name in self.fields]

    @staticmethod
    def summary_text(field, error) -> str:
        """One line of the summary: the field's label and the message as one sentence.

        A label that is a question or a sentence keeps its own punctuation ("Millaista
        työnohjausta harkitset? Valitse…", never "?:"); a checkbox's label is the whole
        sentence beside the box, so its message stands alone."""
        if isinstance(field.field.widget, forms.CheckboxInput):
            return str(error)
        label = strip_tags(str(field.label or "")).strip().rstrip(":")
        if not label:
            return str(error)
        if label.endswith(("?", ".", "!")):
            return f"{label} {error}"
        return f"{label}: {error}"

    def error_summary(self) -> list[dict]:
        """Every error with the id of the input it is about, for the summary above the form, in
        the order of the fields on the page."""
        items = [{"anchor": None, "text": error} for error in self.non_field_errors()]
        for field in self.fields_in_page_order():
            anchor = self.error_anchor(field)
            items += [
                {"anchor": anchor, "text": self.summary_text(field, error)}
                for error in field.errors
            ]
        return items


class ProtectedForm(ErrorSummaryForm):
    """A form the public sends: a honeypot, the signed form token (bookings.inquiries.spam) and each
    input's limits in its markup."""

    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = HoneypotField(label=_("Jätä tämä kenttä tyhjäksi"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("website", "token"):  # last, as in the markup
            self.fields[name] = self.fields.pop(name)

    def mark_inputs(self, *, not_required=("token",)) -> None:
        """Tell browsers the limits: maxlength on text inputs, required on required ones."""
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        for name, field in self.fields.items():
            if (
                isinstance(field, forms.CharField)
                and field.max_length
                and not field.widget.is_hidden
            ):
                field.widget.attrs.setdefault("maxlength", field.max_length)
            if field.required and name not in not_required:
                field.widget.attrs["required"] = True


class InquiryForm(ProtectedForm):
    kind = forms.ChoiceField(
        label=_("Millaista työnohjausta toivot?"),
        choices=Inquiry.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Valitse, millaista työnohjausta toivot.")},
    )
    name = TextField(
        label=_("Nimi"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Kirjoita nimesi.")},
    )
    email = forms.EmailField(
        label=_("Sähköposti"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Kirjoita sähköpostiosoitteesi, jotta voin vastata sinulle."),
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
    organisation = TextField(
        label=_("Organisaatio"),
        max_length=200,
        required=False,
        help_text=_("Pakollinen ryhmä- ja työyhteisöohjauksessa."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    participants = forms.IntegerField(
        label=_("Osallistujien määrä"),
        required=False,
        min_value=PARTICIPANTS_MIN,
        max_value=PARTICIPANTS_MAX,
        help_text=interpolate_lazy(
            _("Ryhmä- ja työyhteisöohjauksessa, %(min)s–%(max)s henkeä."),
            {"min": PARTICIPANTS_MIN, "max": PARTICIPANTS_MAX},
        ),
        error_messages={
            "invalid": _("Kirjoita osallistujien määrä numeroina."),
            "min_value": _("Ryhmässä on vähintään %(limit_value)s osallistujaa."),
            "max_value": _("Osallistujia voi olla enintään %(limit_value)s."),
        },
    )
    goals = GoalsField(
        label=_("Mitä haluaisit työnohjauksella saavuttaa? (vapaaehtoinen)"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    format = forms.ChoiceField(
        label=_("Toivottu toteutustapa (vapaaehtoinen)"),
        choices=Inquiry.Format.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    preferred_times = TextField(
        label=_("Sopivat ajat (vapaaehtoinen)"),
        max_length=500,
        required=False,
        help_text=_("Esimerkiksi: tiistai-iltapäivät, alkaen maaliskuussa."),
    )
    message = TextField(
        multiline=True,
        label=_("Viesti (vapaaehtoinen)"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=interpolate_lazy(
            _(
                "Enintään %(max)s merkkiä. Kerro lyhyesti tilanteestasi, mutta älä kirjoita "
                "terveydentilaasi tai muita arkaluonteisia tietoja: niistä voimme puhua "
                "tavatessamme."
            ),
            {"max": MESSAGE_MAX_LENGTH},
        ),
        error_messages={
            "max_length": _(
                "Viesti on liian pitkä: enintään %(limit_value)d merkkiä (nyt %(show_value)d)."
            )
        },
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Hyväksy tietojesi käsittely, jotta voin vastata yhteydenottoosi.")
        },
    )

    def __init__(self, *args, goals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = goals if goals is not None else Goal.objects.none()
        self.fields["consent"].label = format_html(
            _(
                'Olen lukenut <a href="{}">tietosuojaselosteen</a> ja hyväksyn, että tietojani '
                "käsitellään yhteydenottoni hoitamiseksi."
            ),
            reverse("services:privacy"),
        )
        self.mark_inputs()
        self.helper = FormHelper()
        self.helper.form_id = "inquiry-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.form_show_errors = True
        self.helper.layout = Layout(
            Fieldset(_("Työnohjaus"), "kind", "format", "goals"),
            Fieldset(_("Yhteystietosi"), "name", "email", "phone", "organisation", "participants"),
            Fieldset(_("Lisätiedot"), "preferred_times", "message"),
            "consent",
            Div("website", css_class="hp", aria_hidden="true"),
            "token",
            Submit("submit", _("Lähetä yhteydenotto"), css_class="button"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in Inquiry.GROUP_KINDS:
            if not cleaned.get("organisation") and "organisation" not in self.errors:
                self.add_error(
                    "organisation",
                    _("Kerro organisaatio, kun kyse on ryhmä- tai työyhteisöohjauksesta."),
                )
            if cleaned.get("participants") is None and "participants" not in self.errors:
                self.add_error(
                    "participants",
                    _("Kerro osallistujien määrä (%(min)s–%(max)s).")
                    % {"min": PARTICIPANTS_MIN, "max": PARTICIPANTS_MAX},
                )
        elif cleaned.get("kind"):
            # Asked only of groups: a stray number from someone else must not block the form.
            self._errors.pop("participants", None)
            cleaned["participants"] = None
        return cleaned
