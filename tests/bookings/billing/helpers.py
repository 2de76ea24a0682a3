"""A month of sessions for two organisations, as the issue's "done when" describes: a wellbeing
county with an OVT address and an order number, and a company that takes PDF invoices by email."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from bookings.models import Inquiry, Meeting, MeetingType, Payer
from services.models import Practice

HELSINKI = ZoneInfo("Europe/Helsinki")
IBAN = "FI4950009420028730"
BIC = "OKOYFIHH"
CLIENT_MESSAGE = "Luottamuksellista: tiimin ristiriita ja uupumus."


def helsinki(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def set_up_seller(*, vat_registered=True) -> Practice:
    practice = Practice.objects.get()
    practice.iban = IBAN
    practice.bic = BIC
    practice.vat_registered = vat_registered
    practice.district = "Kotkankatu 1"
    practice.save()
    return practice


def county(**changes) -> Payer:
    fields = {
        "name": "Kymenlaakson hyvinvointialue",
        "business_id": "3221331-8",
        "street": "Kotkantie 41",
        "postal_code": "48210",
        "city": "Kotka",
        "einvoice_address": "003732213318",
        "einvoice_operator": "003723327487",
        "buyer_reference": "TIL-2027-0042",
        "price": Decimal("150.00"),
        "vat_rate": Decimal("25.5"),
        "payment_term_days": 21,
        "delivery": Payer.Delivery.EINVOICE,
    }
    fields.update(changes)
    return Payer.objects.create(**fields)


def company(**changes) -> Payer:
    fields = {
        "name": "Satamapalvelu Oy",
        "business_id": "1926008-0",
        "street": "Laivurinkatu 3",
        "postal_code": "48100",
        "city": "Kotka",
        "email": "laskut@satamapalvelu.example",
        "price": Decimal("120.00"),
        "vat_rate": Decimal("25.5"),
        "payment_term_days": 14,
        "delivery": Payer.Delivery.EMAIL,
        "language": "en",
    }
    fields.update(changes)
    return Payer.objects.create(**fields)


def session_type() -> MeetingType:
    meeting_type, _created = MeetingType.objects.get_or_create(
        name_fi="Työnohjaus",
        defaults={"name": "Työnohjaus", "name_en": "Work supervision", "duration_minutes": 60},
    )
    return meeting_type


def client_of(payer: Payer, name: str, email: str) -> Inquiry:
    return Inquiry.objects.create(
        kind=Inquiry.Kind.INDIVIDUAL,
        status=Inquiry.Status.CLIENT,
        name=name,
        email=email,
        organisation=payer.name,
        message=CLIENT_MESSAGE,
        payer=payer,
    )


def session(inquiry: Inquiry, start: datetime, status=Meeting.Status.HELD) -> Meeting:
    """A session as the meeting write path stores it (the test makes its rows directly)."""
    meeting_type = session_type()
    return Meeting.objects.create(
        inquiry=inquiry,
        meeting_type=meeting_type,
        start=start,
        end=start + meeting_type.duration,
        place=Meeting.Place.KOTKA,
        status=status,
    )


def january(*, vat_registered=True):
    """Two organisations' January 2027: the county's client has three sessions (one cancelled
    late), the company's two plus one cancelled in time and one on 1 February at 00.30."""
    set_up_seller(vat_registered=vat_registered)
    the_county, the_company = county(), company()
    aino = client_of(the_county, "Aino Asiakas", "aino@example.org")
    pekka = client_of(the_company, "Pekka Pomo", "pekka@example.org")
    session(aino, helsinki(2027, 1, 5, 9))
    session(aino, helsinki(2027, 1, 19, 9), Meeting.Status.LATE_CANCELLED)
    session(aino, helsinki(2027, 1, 31, 23, 30))
    session(pekka, helsinki(2027, 1, 12, 13))
    session(pekka, helsinki(2027, 1, 26, 13), Meeting.Status.CANCELLED)
    session(pekka, helsinki(2027, 1, 27, 13), Meeting.Status.NO_SHOW)
    session(pekka, helsinki(2027, 2, 1, 0, 30))
    return the_county, the_company, aino, pekka


TODAY = date(2027, 2, 1)


def now_is_february(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def exported(invoice, *, file_format: str, folder) -> bytes:
    """What `manage.py export_invoice NUMBER --format FORMAT --output FILE` writes."""
    output = folder / f"{invoice.number}.{file_format}"
    call_command(
        "export_invoice",
        str(invoice.number),
        "--format",
        file_format,
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    return output.read_bytes()
