"""Importing Henna's existing customers from her spreadsheet, saved as CSV (`;`, UTF-8 with or
without the BOM Excel writes), with the header

    nimi;y-tunnus;katuosoite;postinumero;postitoimipaikka;verkkolaskuosoite;välittäjätunnus;
    viitteenne;sähköposti;hinta;alv;maksuehto

All or nothing: every row is checked first, and one bad row imports nothing; the error names its
line number, the column and the value. A y-tunnus already known updates that payer.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Payer

HEADER = [
    "nimi",
    "y-tunnus",
    "katuosoite",
    "postinumero",
    "postitoimipaikka",
    "verkkolaskuosoite",
    "välittäjätunnus",
    "viitteenne",
    "sähköposti",
    "hinta",
    "alv",
    "maksuehto",
]
FIELDS = {
    "nimi": "name",
    "y-tunnus": "business_id",
    "katuosoite": "street",
    "postinumero": "postal_code",
    "postitoimipaikka": "city",
    "verkkolaskuosoite": "einvoice_address",
    "välittäjätunnus": "einvoice_operator",
    "viitteenne": "buyer_reference",
    "sähköposti": "email",
    "hinta": "price",
    "alv": "vat_rate",
    "maksuehto": "payment_term_days",
}


class ImportRefused(Exception):
    """The file cannot be imported; nothing was. The message names the line, column and value."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def refuse(line: int, column: str, value: str, reason: str) -> ImportRefused:
    return ImportRefused(
        _("Rivi %(line)s, sarake %(column)s, arvo ”%(value)s”: %(reason)s")
        % {"line": line, "column": column, "value": value, "reason": reason}
    )


def decimal(value: str) -> Decimal:
    return Decimal(value.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def parse_row(line: int, row: dict[str, str]) -> dict:
    values = {FIELDS[column]: (row.get(column) or "").strip() for column in HEADER}
    if not values["business_id"]:
        raise refuse(line, "y-tunnus", "", _("y-tunnus puuttuu."))
    for column, field in (("hinta", "price"), ("alv", "vat_rate")):
        try:
            values[field] = decimal(values[field])
        except InvalidOperation:
            raise refuse(line, column, values[field], _("ei ole luku.")) from None
    if not values["payment_term_days"].isdigit():
        raise refuse(
            line, "maksuehto", values["payment_term_days"], _("anna päivien määrä numeroina.")
        )
    values["payment_term_days"] = int(values["payment_term_days"])
    values["delivery"] = (
        Payer.Delivery.EMAIL
        if values["email"] and not values["einvoice_address"]
        else Payer.Delivery.EINVOICE
    )
    payer = Payer(**values)
    try:
        payer.full_clean(exclude=["created_at"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        column = next((c for c, f in FIELDS.items() if f == field), field)
        shown = row.get(column, "") if column in FIELDS else ""
        raise refuse(line, column, shown, " ".join(messages)) from None
    return values


def read_rows(content: bytes) -> list[tuple[int, dict]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            _("Tiedosto ei ole UTF-8-muodossa. Tallenna se muodossa CSV UTF-8.")
        ) from error
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if header != HEADER:
        raise ImportRefused(
            _("Otsikkorivi ei täsmää. Sen pitää olla: %(header)s") % {"header": ";".join(HEADER)}
        )
    reader.fieldnames = header
    return [
        (reader.line_num, row)
        for row in reader
        if any((value or "").strip() for value in row.values() if isinstance(value, str))
    ]


def import_payers(content: bytes) -> ImportResult:
    """Create or update (by y-tunnus) one payer per row, all in one transaction, or none."""
    parsed = [parse_row(line, row) for line, row in read_rows(content)]
    seen: dict[str, int] = {}
    for (line, _row), values in zip(read_rows(content), parsed, strict=True):
        if values["business_id"] in seen:
            raise refuse(
                line,
                "y-tunnus",
                values["business_id"],
                _("sama y-tunnus on jo rivillä %(line)s.") % {"line": seen[values["business_id"]]},
            )
        seen[values["business_id"]] = line
    created = updated = 0
    with transaction.atomic():
        for values in parsed:
            _payer, was_created = Payer.objects.update_or_create(
                business_id=values["business_id"], defaults=values
            )
            created += was_created
            updated += not was_created
    return ImportResult(created=created, updated=updated)
