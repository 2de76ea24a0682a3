"""The e-invoices: UBL 2.1 per PEPPOL BIS Billing 3.0, checked against the published EN 16931
and PEPPOL rules (validation.py), and exported unchanged after both clients are erased."""

from decimal import Decimal

import pytest
from lxml import etree

from bookings.billing import services, ubl
from bookings.inquiries.privacy import erase_person
from bookings.models import Invoice

from .helpers import TODAY, exported, january
from .validation import fatal_errors

pytestmark = pytest.mark.django_db
NS = {"cbc": ubl.CBC, "cac": ubl.CAC}


def issue():
    return services.create_month_invoices(month=services.Month(2027, 1), today=TODAY)


def read(document: bytes):
    return etree.fromstring(document)


def first(tree, xpath: str) -> str:
    return tree.xpath(xpath, namespaces=NS)[0].text


@pytest.mark.parametrize("vat_registered", [True, False], ids=["with VAT", "small business"])
def test_invoices_and_credit_notes_pass_the_en16931_and_peppol_rules(vat_registered):
    january(vat_registered=vat_registered)
    county_invoice, company_invoice = issue()
    credit_note = services.credit_invoice(invoice=county_invoice, today=TODAY)

    for document in (county_invoice, company_invoice, credit_note):
        assert fatal_errors(ubl.build_ubl(document)) == [], document


def test_the_rules_do_catch_a_broken_invoice():
    """The validation is real: without the buyer reference PEPPOL refuses the invoice."""
    january()
    county_invoice, _company_invoice = issue()
    document = ubl.build_ubl(county_invoice).replace(
        b"<cbc:BuyerReference>TIL-2027-0042</cbc:BuyerReference>", b""
    )

    assert any(error.startswith("PEPPOL-EN16931-R003") for error in fatal_errors(document))


def test_the_county_is_addressed_by_its_ovt_code_with_its_order_number():
    january()
    county_invoice, company_invoice = issue()

    county = read(ubl.build_ubl(county_invoice))
    company = read(ubl.build_ubl(company_invoice))

    buyer = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert county.xpath(f"{buyer}/@schemeID", namespaces=NS) == ["0216"]
    assert first(county, buyer) == "003732213318"
    assert first(county, "cbc:BuyerReference") == "TIL-2027-0042"
    # A company without an e-invoice address: 0037 + its y-tunnus digits; no order number:
    # the invoice number is the buyer reference PEPPOL requires.
    assert first(company, buyer) == "003719260080"
    assert first(company, "cbc:BuyerReference") == str(company_invoice.number)
    # The payment: the seller's IBAN and the invoice's viitenumero.
    assert first(county, "cac:PaymentMeans/cbc:PaymentID") == county_invoice.reference
    assert first(county, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == (
        "FI4950009420028730"
    )
    # The totals add up: the VAT breakdown and the payable amount.
    assert first(county, "cac:TaxTotal/cbc:TaxAmount") == "114.75"
    assert first(county, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == "25.5"
    assert first(county, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "564.75"
    lines = county.xpath("cac:InvoiceLine/cbc:LineExtensionAmount", namespaces=NS)
    assert sum(Decimal(line.text) for line in lines) == Decimal("450.00")


def test_a_credit_note_refers_to_its_invoice_with_positive_amounts():
    january()
    county_invoice, _company_invoice = issue()
    credit_note = services.credit_invoice(invoice=county_invoice, today=TODAY)

    tree = read(ubl.build_ubl(credit_note))

    assert etree.QName(tree).localname == "CreditNote"
    assert first(tree, "cbc:CreditNoteTypeCode") == "381"
    assert first(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == str(
        county_invoice.number
    )
    assert first(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "564.75"


def test_the_same_invoices_are_exported_unchanged_after_both_clients_are_erased(
    admin_user, tmp_path
):
    _county, _company, aino, pekka = january()
    invoices = issue()
    credit_note = services.credit_invoice(invoice=invoices[0], today=TODAY)
    documents = [*invoices, credit_note]
    before = [ubl.build_ubl(document) for document in documents]

    erase_person(email=aino.email, user=admin_user)
    erase_person(email=pekka.email, user=admin_user)

    after = [exported(document, file_format="ubl", folder=tmp_path) for document in documents]
    assert after == before
    assert Invoice.objects.count() == 3
