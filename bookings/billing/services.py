"""The one write path of invoicing: issuing the month's invoices, crediting one, marking one paid.

Every invoice number is taken from one counter row, locked (SELECT ... FOR UPDATE on PostgreSQL;
on SQLite every transaction is IMMEDIATE and holds the write lock from BEGIN) in the same
transaction that writes the invoice: two runs never take the same number, and a run that fails
rolls its number back with it, so none is skipped. The lock is taken first, so a second run of
the same month waits and then finds the sessions billed. The PDF of an invoice for a payer who
takes email is queued in the outbox in the same transaction, and sent once it commits.
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.fi import alv

from services.models import Practice

from ..models import Invoice, InvoiceCounter, InvoiceEvent, InvoiceLine, Meeting, Payer
from ..models.billing import invoice_day, money, vat_breakdown
from ..outbox.queue import queue_invoice_emails
from .reference import viitenumero

logger = logging.getLogger(__name__)

HELSINKI = ZoneInfo("Europe/Helsinki")
SERIES = "invoices"
# Small-business exemption (arvonlisäverolaki 3 §): the basis printed on an invoice without VAT.
VAT_EXEMPTION_REASON = "Arvonlisäverolaki 3 § (vähäinen toiminta)"


class InvoicingRefused(Exception):
    """An invoice could not be issued or credited; the message says why, for Henna."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> "Month":
        """From YYYY-MM."""
        try:
            year, month = (int(part) for part in value.split("-"))
            date(year, month, 1)
        except ValueError as error:
            raise ValueError(f"Not a month (YYYY-MM): {value!r}") from error
        return cls(year, month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def bounds(self) -> tuple[datetime, datetime]:
        """The month as instants, from midnight on the 1st in Helsinki to the next month's."""
        start = datetime(self.year, self.month, 1, tzinfo=HELSINKI)
        end = datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), HELSINKI)
        return start, end

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def take_number() -> int:
    """The next number of the series; call inside the transaction that writes the invoice."""
    counter, _created = InvoiceCounter.objects.select_for_update().get_or_create(series=SERIES)
    number = counter.next_number
    InvoiceCounter.objects.filter(pk=counter.pk).update(next_number=number + 1)
    return number


def billed_meeting_uids():
    """The sessions on an invoice that has not been credited: never billed again."""
    return InvoiceLine.objects.filter(
        invoice__kind=Invoice.Kind.INVOICE, invoice__credit_notes__isnull=True
    ).values("meeting_uid")


def billable_meetings(month: Month):
    """Sessions of the month whose payer is known: held ones, and those cancelled late or
    missed where the payer's terms bill them; never one cancelled in time, nor one billed."""
    start, end = month.bounds()
    statuses = [Meeting.Status.HELD, Meeting.Status.LATE_CANCELLED, Meeting.Status.NO_SHOW]
    meetings = (
        Meeting.objects.filter(
            start__gte=start,
            start__lt=end,
            status__in=statuses,
            inquiry__payer__isnull=False,
            # A hold the client never confirmed is no session of theirs, whatever its mark.
            hold_until__isnull=True,
        )
        .exclude(uid__in=billed_meeting_uids())
        .select_related("inquiry__payer", "meeting_type")
        .order_by("inquiry__payer__name", "start")
    )
    return [
        meeting
        for meeting in meetings
        if not (
            meeting.status == Meeting.Status.LATE_CANCELLED
            and not meeting.inquiry.payer.bill_late_cancellations
        )
        and not (
            meeting.status == Meeting.Status.NO_SHOW and not meeting.inquiry.payer.bill_no_shows
        )
    ]


def line_description(meeting: Meeting, payer: Payer) -> str:
    """The session's kind and date in the invoice's language; the participant's name only where
    the payer asks for it; never anything the client wrote."""
    day = timezone.localtime(meeting.start, HELSINKI).date()
    parts = [f"{meeting.meeting_type.name} {invoice_day(day)}"]
    if meeting.status == Meeting.Status.LATE_CANCELLED:
        parts.append(_("peruttu myöhään"))
    elif meeting.status == Meeting.Status.NO_SHOW:
        parts.append(_("ei saapunut"))
    if payer.name_participants:
        parts.append(meeting.inquiry.name)
    return ", ".join(parts)


def seller_fields(practice: Practice) -> dict:
    if not (practice.iban and practice.bic):
        raise InvoicingRefused(
            _("Lisää tilinumero (IBAN) ja BIC yhteystietoihin ennen laskutusta.")
        )
    # The Finnish VAT number: FI and the y-tunnus' digits, checked by python-stdnum.
    vat_number = f"FI{alv.compact(practice.business_id)}" if practice.vat_registered else ""
    if vat_number and not alv.is_valid(vat_number):
        raise InvoicingRefused(_("Tarkista y-tunnus yhteystiedoista: ALV-tunnus ei kelpaa."))
    return {
        "seller_name": practice.name,
        "seller_business_id": practice.business_id,
        "seller_vat_number": vat_number,
        "seller_street": practice.street_address or practice.district,
        "seller_postal_code": practice.postal_code,
        "seller_city": practice.city,
        "seller_email": practice.email,
        "seller_phone": practice.phone,
        "seller_iban": practice.iban.replace(" ", ""),
        "seller_bic": practice.bic,
    }


def buyer_fields(payer: Payer) -> dict:
    return {
        "buyer_name": payer.name,
        "buyer_business_id": payer.business_id,
        "buyer_street": payer.street,
        "buyer_postal_code": payer.postal_code,
        "buyer_city": payer.city,
        "buyer_einvoice_address": payer.einvoice_address,
        "buyer_einvoice_operator": payer.einvoice_operator,
        "buyer_reference": payer.buyer_reference,
        "buyer_email": payer.email,
        "delivery": payer.delivery,
    }


def issue_invoice(
    *, payer: Payer, meetings: list[Meeting], month: Month, today: date, practice: Practice
) -> Invoice:
    """One invoice for the payer's sessions, with its number, its own copy of both parties and
    every line. Call inside a transaction (create_month_invoices)."""
    vat_rate = payer.vat_rate if practice.vat_registered else Decimal("0")
    number = take_number()
    with translation.override(payer.language):
        lines = [
            InvoiceLine(
                position=position,
                meeting_uid=meeting.uid,
                service_date=timezone.localtime(meeting.start, HELSINKI).date(),
                description=line_description(meeting, payer),
                quantity=Decimal("1"),
                unit_price=payer.price_for(meeting.meeting_type),
                vat_rate=vat_rate,
                net_amount=money(payer.price_for(meeting.meeting_type)),
            )
            for position, meeting in enumerate(meetings, start=1)
        ]
    return save_invoice(
        number=number,
        lines=lines,
        payer=payer,
        language=payer.language,
        issue_date=today,
        due_date=today + timedelta(days=payer.payment_term_days),
        period_start=month.first_day,
        period_end=month.last_day,
        vat_category=Invoice.VatCategory.STANDARD
        if practice.vat_registered
        else Invoice.VatCategory.EXEMPT,
        vat_exemption_reason="" if practice.vat_registered else VAT_EXEMPTION_REASON,
        **seller_fields(practice),
        **buyer_fields(payer),
    )


def save_invoice(*, number: int, lines: list[InvoiceLine], **fields) -> Invoice:
    breakdown = vat_breakdown(lines)
    total_net = sum((base for _rate, base, _tax in breakdown), Decimal("0"))
    total_vat = sum((tax for _rate, _base, tax in breakdown), Decimal("0"))
    invoice = Invoice.objects.create(
        number=number,
        created_at=timezone.now(),
        # The viitenumero's base has at least 3 digits and never a leading zero (banks drop it).
        reference=viitenumero(number + 1000),
        total_net=total_net,
        total_vat=total_vat,
        total=total_net + total_vat,
        **fields,
    )
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    return invoice


def create_month_invoices(*, month: Month, today: date | None = None) -> list[Invoice]:
    """Issue one invoice per payer with billable sessions in the month (Helsinki time); none
    for a session billed before, so running it again creates nothing new."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # The counter first: a second run waits here, then finds the sessions billed.
        InvoiceCounter.objects.select_for_update().get_or_create(series=SERIES)
        practice = Practice.objects.get()
        by_payer: dict[int, list[Meeting]] = {}
        payers: dict[int, Payer] = {}
        for meeting in billable_meetings(month):
            payer = meeting.inquiry.payer
            payers[payer.pk] = payer
            by_payer.setdefault(payer.pk, []).append(meeting)
        if by_payer:
            seller_fields(practice)
        with_prices = {
            payer.pk: payer
            for payer in Payer.objects.filter(pk__in=payers).prefetch_related("prices")
        }
        invoices = [
            issue_invoice(
                payer=with_prices[payer_id],
                meetings=meetings,
                month=month,
                today=today,
                practice=practice,
            )
            for payer_id, meetings in sorted(
                by_payer.items(), key=lambda item: payers[item[0]].name
            )
        ]
        # The PDFs by email to those who take them, once the invoices have committed.
        queue_invoice_emails(invoices)
    for invoice in invoices:
        logger.info(
            "Invoice %d issued: %s, %s EUR", invoice.number, invoice.buyer_name, invoice.total
        )
    return invoices


def credit_invoice(*, invoice: Invoice, today: date | None = None) -> Invoice:
    """A credit note for the whole invoice: the same parties and lines, negated, with its own
    number; the invoice itself stays as it was. Its sessions can then be billed again."""
    today = today or timezone.localdate()
    with transaction.atomic():
        InvoiceCounter.objects.select_for_update().get_or_create(series=SERIES)
        invoice = Invoice.objects.with_state().get(pk=invoice.pk)
        if invoice.is_credit_note:
            raise InvoicingRefused(_("Hyvityslaskua ei voi hyvittää."))
        if invoice.credited:
            raise InvoicingRefused(
                _("Lasku %(number)s on jo hyvitetty.") % {"number": invoice.number}
            )
        with translation.override(invoice.language):
            lines = [
                InvoiceLine(
                    position=line.position,
                    meeting_uid=line.meeting_uid,
                    service_date=line.service_date,
                    description=line.description,
                    quantity=-line.quantity,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                    net_amount=-line.net_amount,
                )
                for line in invoice.lines.all()
            ]
        copied = {
            field.name: getattr(invoice, field.name)
            for field in Invoice._meta.concrete_fields
            if field.name.startswith(("seller_", "buyer_"))
        }
        credit_note = save_invoice(
            number=take_number(),
            lines=lines,
            kind=Invoice.Kind.CREDIT_NOTE,
            credited_invoice=invoice,
            payer=invoice.payer,
            language=invoice.language,
            issue_date=today,
            due_date=today,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            vat_category=invoice.vat_category,
            vat_exemption_reason=invoice.vat_exemption_reason,
            delivery=invoice.delivery,
            **copied,
        )
    logger.info("Credit note %d issued for invoice %d", credit_note.number, invoice.number)
    return credit_note


def mark_paid(*, invoice: Invoice, on: date | None = None, note: str = "") -> InvoiceEvent:
    """Record the payment of an invoice (once)."""
    with transaction.atomic():
        existing = invoice.events.filter(kind=InvoiceEvent.Kind.PAID).first()
        if existing:
            return existing
        return InvoiceEvent.objects.create(
            invoice=invoice, kind=InvoiceEvent.Kind.PAID, on=on or timezone.localdate(), note=note
        )
