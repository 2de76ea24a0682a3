"""The PDF invoice a banking app can pay from: the Finnish invoice fields in the invoice's
language, the viitenumero, the bank barcode (read back with zxing-cpp from its bars) and the EPC
QR code (read back too)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfReader

from bookings.billing import barcode, pdf, services
from bookings.billing.reference import (
    grouped,
    is_valid_viitenumero,
    rf_reference,
    viitenumero,
)
from bookings.inquiries.privacy import erase_person

from .helpers import IBAN, TODAY, exported, january

JANUARY = services.Month(2027, 1)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_viitenumero_7_3_1_and_the_rf_form():
    # Finance Finland's examples.
    assert viitenumero("123456") == "1234561"
    assert viitenumero("86851625961989") == "868516259619897"
    assert is_valid_viitenumero("86851 62596 19897")
    assert not is_valid_viitenumero("868516259619898")
    assert grouped("868516259619897") == "86851 62596 19897"
    assert rf_reference("868516259619897") == "RF09868516259619897"


def test_bank_barcode_versions_4_and_5_as_finance_finland_specifies():
    fields = {"iban": "FI79 4405 2020 0360 82", "amount": Decimal("4883.15")}
    due = date(2010, 6, 12)

    assert barcode.virtual_barcode(**fields, reference="868516259619897", due_date=due) == (
        "479440520200360820048831500000000868516259619897100612"
    )
    assert barcode.virtual_barcode(**fields, reference="RF09868516259619897", due_date=due) == (
        "579440520200360820048831509000000868516259619897100612"
    )


def bars_image(modules: str) -> Image.Image:
    scale, quiet = 3, 20
    image = Image.new("L", ((len(modules) + 2 * quiet) * scale, 80), 255)
    draw = ImageDraw.Draw(image)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = (quiet + i) * scale
            draw.rectangle([x, 10, x + scale - 1, 70], fill=0)
    return image


@pytest.mark.django_db
def test_the_invoice_pdf_carries_what_a_banking_app_pays_from():
    january()
    county_invoice, _company_invoice = services.create_month_invoices(month=JANUARY, today=TODAY)

    text = pdf_text(pdf.build_pdf(county_invoice))
    code = barcode.invoice_barcode(county_invoice)

    # The barcode: account, amount, reference and due date, as digits and as Code 128 bars.
    assert code == (
        "4" + IBAN[2:] + "000564" + "75" + "000" + county_invoice.reference.zfill(20) + "270222"
    )
    assert code in text
    (read,) = zxingcpp.read_barcodes(bars_image(barcode.code128_modules(code)))
    assert (read.format, read.text) == (zxingcpp.BarcodeFormat.Code128, code)
    # The EPC QR code: beneficiary, IBAN, BIC, amount and the RF reference.
    qr_png = io.BytesIO()
    barcode.epc_qr(county_invoice).save(qr_png, kind="png", scale=5)
    (qr,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png.getvalue())))
    payload = qr.text.splitlines()
    assert payload[:2] == ["BCD", "002"]
    assert IBAN in payload
    assert "EUR564.75" in payload
    assert rf_reference(county_invoice.reference) in payload
    # The Finnish invoice fields (arvonlisäverolaki 209 e §).
    for expected in (
        "LASKU",
        "Laskun numero 1",
        "Laskun päivä 1.2.2027",
        "Eräpäivä 22.2.2027",
        "Y-tunnus 1926008-0",
        "ALV-tunnus FI19260080",
        "Kymenlaakson hyvinvointialue",
        "Y-tunnus 3221331-8",
        "Viitteenne TIL-2027-0042",
        "Työnohjaus 19.1.2027, peruttu myöhään",
        "Alv 25,5 %: veroton 450,00 EUR, vero 114,75 EUR",
        "Maksettava yhteensä 564,75 EUR",
        f"Viitenumero {grouped(county_invoice.reference)}",
        "Viivästyskorko korkolain mukainen",
        "FI49 5000 9420 0287 30",
    ):
        assert expected in text


@pytest.mark.django_db
def test_the_company_reads_its_invoice_in_english_and_a_credit_note_has_no_barcode():
    january(vat_registered=False)
    _county_invoice, company_invoice = services.create_month_invoices(month=JANUARY, today=TODAY)
    credit_note = services.credit_invoice(invoice=company_invoice, today=TODAY)

    text = pdf_text(pdf.build_pdf(company_invoice))
    credit_text = pdf_text(pdf.build_pdf(credit_note))

    for expected in (
        "INVOICE",
        "Due date 15 Feb 2027",
        "Work supervision 27 Jan 2027, no-show",
        "No VAT: Finnish VAT Act, section 3 (small business).",
        "Total due 240.00 EUR",
    ):
        assert expected in text
    assert "CREDIT NOTE" in credit_text
    assert f"Credits invoice {company_invoice.number}" in credit_text
    assert "Total credited -240.00 EUR" in credit_text
    assert barcode.invoice_barcode(credit_note) == ""
    assert "Virtual bank barcode" not in credit_text


@pytest.mark.django_db
def test_the_same_pdf_byte_for_byte_after_both_clients_are_erased(
    admin_user, tmp_path, monkeypatch
):
    _county, _company, aino, pekka = january()
    issued_at = datetime(2027, 2, 1, 6, 0, tzinfo=UTC)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: issued_at)
        invoices = services.create_month_invoices(month=JANUARY, today=TODAY)
    before = [pdf.build_pdf(invoice) for invoice in invoices]

    erase_person(email=aino.email, user=admin_user)
    erase_person(email=pekka.email, user=admin_user)

    after = [exported(invoice, file_format="pdf", folder=tmp_path) for invoice in invoices]
    assert after == before
    # Dated by the invoice, not by the export.
    assert PdfReader(io.BytesIO(after[0])).metadata.creation_date == issued_at
