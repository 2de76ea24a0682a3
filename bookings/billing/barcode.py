"""The Finnish bank barcode (pankkiviivakoodi, Finance Finland's specification): 54 digits that a
banking app reads for the account, the amount, the reference and the due date. Version 4 carries
a Finnish viitenumero, version 5 an RF reference. Printed as digits and as Code 128 (set C),
whose bars python-barcode computes; and the EPC QR code (segno) that banking apps read too.
"""

from datetime import date
from decimal import Decimal

from barcode import Code128
from segno import helpers as segno_helpers

from ..models import Invoice
from .reference import rf_reference

MAX_AMOUNT = Decimal("999999.99")


def virtual_barcode(*, iban: str, amount: Decimal, reference: str, due_date: date | None) -> str:
    """The 54 digits. An amount over 999 999,99 or not positive is given as zeros (the payer
    types it); no due date as 000000."""
    iban = iban.replace(" ", "").upper()
    if not iban.startswith("FI") or len(iban) != 18:
        raise ValueError("The bank barcode carries a Finnish IBAN only.")
    cents = int(amount * 100) if Decimal("0") < amount <= MAX_AMOUNT else 0
    euros_and_cents = f"{cents // 100:06d}{cents % 100:02d}"
    due = f"{due_date:%y%m%d}" if due_date else "000000"
    if reference.upper().startswith("RF"):
        check, digits = reference[2:4], reference[4:]
        code = f"5{iban[2:]}{euros_and_cents}{check}{digits:0>21}{due}"
    else:
        code = f"4{iban[2:]}{euros_and_cents}000{reference:0>20}{due}"
    if len(code) != 54 or not code.isdigit():
        raise ValueError("The bank barcode must be 54 digits.")
    return code


def invoice_barcode(invoice: Invoice) -> str:
    """The invoice's barcode (version 4, its viitenumero); none for a credit note."""
    if invoice.is_credit_note:
        return ""
    return virtual_barcode(
        iban=invoice.seller_iban,
        amount=invoice.total,
        reference=invoice.reference,
        due_date=invoice.due_date,
    )


def code128_modules(digits: str) -> str:
    """The Code 128 bars as "1" (black) and "0" (white) modules, quiet zones excluded."""
    return "".join(Code128(digits).build())


def epc_qr(invoice: Invoice):
    """The EPC QR code (SEPA credit transfer): beneficiary, IBAN, BIC, amount and the structured
    RF reference; none for a credit note."""
    if invoice.is_credit_note:
        return None
    return segno_helpers.make_epc_qr(
        name=invoice.seller_name[:70],
        iban=invoice.seller_iban,
        bic=invoice.seller_bic,
        amount=invoice.total,
        reference=rf_reference(invoice.reference),
    )
