import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

BUSINESS_ID_RE = re.compile(r"^(\d{7})-(\d)$")
# Weights of the Finnish business ID (y-tunnus) check digit, one per digit.
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def validate_business_id(value: str) -> None:
    """Validate a Finnish business ID such as 1926008-0 by its mod-11 check digit."""
    match = BUSINESS_ID_RE.match(value or "")
    if not match:
        raise ValidationError(_("Anna y-tunnus muodossa 1234567-8."), code="business_id_format")
    digits, check = match.groups()
    remainder = sum(int(d) * w for d, w in zip(digits, BUSINESS_ID_WEIGHTS, strict=True)) % 11
    # Remainder 0 gives check digit 0, remainders 2-10 give 11 - remainder; 1 is never issued.
    if remainder == 1 or int(check) != (11 - remainder) % 11:
        raise ValidationError(
            _("Y-tunnuksen tarkistusnumero ei täsmää. Tarkista tunnus."),
            code="business_id_check",
        )


PHONE_ALLOWED_RE = re.compile(r"^\+?[\d\s\-()]+$")


def international_phone(value: str) -> str:
    """The number as people read it, with the country code and the grouping Henna typed:
    "045 7835 4299" → "+358 45 7835 4299"; an international number stays as it is. For pages
    and emails in English, read by people who may be calling from abroad."""
    value = " ".join((value or "").split())
    if value.startswith("+"):
        return value
    if value.startswith("00"):
        return "+" + value[2:].lstrip()
    if value.startswith("0"):
        return "+358 " + value[1:].lstrip(" -")
    return value


def normalize_phone(value: str) -> str:
    """Return the phone number in international form (+358...) for a tel: link.

    Accepts the familiar Finnish forms (045 7835 4299, 045-7835 4299) and international ones
    (+358 45 7835 4299, 00358...). Raises ValidationError for anything that is not a number.
    """
    value = (value or "").strip()
    if not PHONE_ALLOWED_RE.match(value):
        raise ValidationError(
            _("Puhelinnumerossa voi olla vain numeroita, välilyöntejä, viivoja ja alussa +."),
            code="phone_characters",
        )
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        number = "+" + digits
    elif digits.startswith("00"):
        number = "+" + digits[2:]
    elif digits.startswith("0"):
        number = "+358" + digits[1:]
    else:
        raise ValidationError(
            _("Anna puhelinnumero suuntanumeron kanssa, esimerkiksi 045 123 4567."),
            code="phone_prefix",
        )
    # E.164 allows at most 15 digits; Finnish numbers have at least 5 after the country code.
    if not 8 <= len(number) - 1 <= 15:
        raise ValidationError(
            _("Puhelinnumero on liian lyhyt tai liian pitkä."), code="phone_length"
        )
    return number


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_iban(value: str) -> None:
    """An IBAN with a valid check, by schwifty."""
    try:
        IBAN(value)
    except SchwiftyException as error:
        raise ValidationError(
            _("Tilinumero ei kelpaa: anna IBAN, esim. FI49 5000 9420 0287 30."), code="iban"
        ) from error


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as error:
        raise ValidationError(_("BIC ei kelpaa, esim. OKOYFIHH."), code="bic") from error
