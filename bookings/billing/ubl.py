"""An invoice or credit note as a UBL 2.1 document per PEPPOL BIS Billing 3.0 (EN 16931): what
Finnish public buyers and most companies accept as an e-invoice (laki sähköisestä laskutuksesta
241/2019). Built with lxml, element by element in the order the UBL schema requires.

Parties are addressed with scheme 0216 (the Finnish OVT code): the buyer's e-invoice address, or
0037 + its y-tunnus digits where it gave none; the seller's y-tunnus is its legal registration
(scheme 0212). A credit note's amounts are positive, as UBL's CreditNote expects; it refers to
the invoice it credits.
"""

from decimal import Decimal

from lxml import etree

from ..models import Invoice

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT = {
    Invoice.Kind.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    Invoice.Kind.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
# UNCL 5305: the small-business exemption is "E", exempt from tax, with its basis as text
# (the VATEX codes name EU directive articles, none of which is arvonlisäverolaki 3 §).
SEPA_CREDIT_TRANSFER = "58"
FINNISH_BUSINESS_ID = "0212"


def cbc(parent, name: str, text=None, **attributes):
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    if text is not None:
        element.text = str(text)
    return element


def cac(parent, name: str):
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def amount(parent, name: str, value: Decimal, currency: str):
    return cbc(parent, name, f"{abs(value):.2f}", currencyID=currency)


def percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def party(
    parent,
    *,
    endpoint: tuple[str, str],
    name: str,
    street: str,
    city: str,
    postal_code: str,
    business_id: str,
    vat_number: str = "",
    email: str = "",
    phone: str = "",
    tax_registration: str = "",
):
    node = cac(parent, "Party")
    cbc(node, "EndpointID", endpoint[1], schemeID=endpoint[0])
    if business_id:
        identification = cac(node, "PartyIdentification")
        cbc(identification, "ID", business_id, schemeID=FINNISH_BUSINESS_ID)
    cbc(cac(node, "PartyName"), "Name", name)
    address = cac(node, "PostalAddress")
    if street:
        cbc(address, "StreetName", street)
    cbc(address, "CityName", city)
    cbc(address, "PostalZone", postal_code)
    cbc(cac(address, "Country"), "IdentificationCode", "FI")
    if vat_number:
        scheme = cac(node, "PartyTaxScheme")
        cbc(scheme, "CompanyID", vat_number)
        cbc(cac(scheme, "TaxScheme"), "ID", "VAT")
    elif tax_registration:
        # A seller outside the VAT register: its y-tunnus as the tax registration (BT-32).
        scheme = cac(node, "PartyTaxScheme")
        cbc(scheme, "CompanyID", tax_registration)
        cbc(cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = cac(node, "PartyLegalEntity")
    cbc(legal, "RegistrationName", name)
    if business_id:
        cbc(legal, "CompanyID", business_id, schemeID=FINNISH_BUSINESS_ID)
    if email or phone:
        contact = cac(node, "Contact")
        if phone:
            cbc(contact, "Telephone", phone)
        if email:
            cbc(contact, "ElectronicMail", email)
    return node


def tax_category(parent, name: str, invoice: Invoice, rate: Decimal, *, reason: bool):
    category = cac(parent, name)
    cbc(category, "ID", invoice.vat_category)
    cbc(category, "Percent", percent(rate))
    if reason and invoice.vat_category == Invoice.VatCategory.EXEMPT:
        cbc(category, "TaxExemptionReason", invoice.vat_exemption_reason)
    cbc(cac(category, "TaxScheme"), "ID", "VAT")
    return category


def build_ubl(invoice: Invoice) -> bytes:
    """The invoice as UBL XML (UTF-8 bytes), from its own stored copy only."""
    credit = invoice.is_credit_note
    currency = invoice.currency
    root_name = "CreditNote" if credit else "Invoice"
    root = etree.Element(
        f"{{{ROOT[invoice.kind]}}}{root_name}",
        nsmap={None: ROOT[invoice.kind], "cac": CAC, "cbc": CBC},
    )
    cbc(root, "CustomizationID", CUSTOMIZATION)
    cbc(root, "ProfileID", PROFILE)
    cbc(root, "ID", invoice.number)
    cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if credit:
        cbc(root, "CreditNoteTypeCode", "381")
    else:
        cbc(root, "DueDate", invoice.due_date.isoformat())
        cbc(root, "InvoiceTypeCode", "380")
    if invoice.vat_exemption_reason:
        cbc(root, "Note", invoice.vat_exemption_reason)
    cbc(root, "DocumentCurrencyCode", currency)
    # PEPPOL requires a buyer reference (or an order reference): the invoice number otherwise.
    cbc(root, "BuyerReference", invoice.buyer_reference or str(invoice.number))
    period = cac(root, "InvoicePeriod")
    cbc(period, "StartDate", invoice.period_start.isoformat())
    cbc(period, "EndDate", invoice.period_end.isoformat())
    if credit:
        original = invoice.credited_invoice
        reference = cac(cac(root, "BillingReference"), "InvoiceDocumentReference")
        cbc(reference, "ID", original.number)
        cbc(reference, "IssueDate", original.issue_date.isoformat())

    party(
        cac(root, "AccountingSupplierParty"),
        endpoint=invoice.seller_endpoint,
        name=invoice.seller_name,
        street=invoice.seller_street,
        city=invoice.seller_city,
        postal_code=invoice.seller_postal_code,
        business_id=invoice.seller_business_id,
        vat_number=invoice.seller_vat_number,
        tax_registration=invoice.seller_business_id,
        email=invoice.seller_email,
        phone=invoice.seller_phone,
    )
    party(
        cac(root, "AccountingCustomerParty"),
        endpoint=invoice.buyer_endpoint,
        name=invoice.buyer_name,
        street=invoice.buyer_street,
        city=invoice.buyer_city,
        postal_code=invoice.buyer_postal_code,
        business_id=invoice.buyer_business_id,
    )

    means = cac(root, "PaymentMeans")
    cbc(means, "PaymentMeansCode", SEPA_CREDIT_TRANSFER)
    if credit:
        cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
    cbc(means, "PaymentID", invoice.reference)
    account = cac(means, "PayeeFinancialAccount")
    cbc(account, "ID", invoice.seller_iban)
    cbc(cac(account, "FinancialInstitutionBranch"), "ID", invoice.seller_bic)
    if not credit:
        terms = cac(root, "PaymentTerms")
        cbc(terms, "Note", f"{(invoice.due_date - invoice.issue_date).days} days net")

    tax_total = cac(root, "TaxTotal")
    amount(tax_total, "TaxAmount", invoice.total_vat, currency)
    for rate, base, tax in invoice.vat_breakdown():
        subtotal = cac(tax_total, "TaxSubtotal")
        amount(subtotal, "TaxableAmount", base, currency)
        amount(subtotal, "TaxAmount", tax, currency)
        tax_category(subtotal, "TaxCategory", invoice, rate, reason=True)

    totals = cac(root, "LegalMonetaryTotal")
    amount(totals, "LineExtensionAmount", invoice.total_net, currency)
    amount(totals, "TaxExclusiveAmount", invoice.total_net, currency)
    amount(totals, "TaxInclusiveAmount", invoice.total, currency)
    amount(totals, "PayableAmount", invoice.total, currency)

    for line in invoice.lines.all():
        node = cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        cbc(node, "ID", line.position)
        cbc(
            node,
            "CreditedQuantity" if credit else "InvoicedQuantity",
            percent(abs(line.quantity)),
            unitCode="C62",
        )
        amount(node, "LineExtensionAmount", line.net_amount, currency)
        line_period = cac(node, "InvoicePeriod")
        cbc(line_period, "StartDate", line.service_date.isoformat())
        cbc(line_period, "EndDate", line.service_date.isoformat())
        item = cac(node, "Item")
        cbc(item, "Name", line.description)
        tax_category(item, "ClassifiedTaxCategory", invoice, line.vat_rate, reason=False)
        amount(cac(node, "Price"), "PriceAmount", line.unit_price, currency)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
