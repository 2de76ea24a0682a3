"""An invoice or credit note as a PDF in the invoice's language, for an email or the buyer's
portal, drawn with fpdf2 (pure Python; WeasyPrint would need Pango and its system libraries).

It prints what arvonlisäverolaki 209 e § asks of an invoice: the date and number, both parties
with the seller's y-tunnus and VAT number, what was sold and when, the unit price, the VAT base,
rate and amount per rate (or the exemption's basis), and beside them the due date, the
late-payment interest, the viitenumero, the bank barcode as digits and as Code 128, and the EPC
QR code. Everything comes from the invoice's own copy.
"""

import io
import unicodedata
from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from ..models import Invoice
from ..models.billing import invoice_day
from . import barcode
from .reference import grouped, rf_reference

FONT = "Helvetica"


def text(value) -> str:
    """The PDF's core font speaks Latin-1: other letters lose their accent, not the page."""
    value = str(value)
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        value = "".join(
            char
            if char.encode("latin-1", "ignore")
            else unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            for char in value
        )
    return value


def euros(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def day(value) -> str:
    return invoice_day(value)


def iban_grouped(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class InvoicePDF(FPDF):
    def cell_line(self, label: str, value: str, *, width: float = 45) -> None:
        self.set_font(FONT, "", 9)
        self.cell(width, 5, text(label))
        self.set_font(FONT, "B", 9)
        self.cell(0, 5, text(value), new_x="LMARGIN", new_y="NEXT")

    def block(self, x: float, y: float, lines: list[str], *, title: str) -> None:
        self.set_xy(x, y)
        self.set_font(FONT, "", 8)
        self.cell(80, 4, text(title), new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 10)
        for line in lines:
            if line:
                self.cell(80, 5, text(line), new_x="LEFT", new_y="NEXT")

    def fit(self, value: str, width: float) -> str:
        """The text cut to the column's width, with an ellipsis, rather than over the next."""
        if self.get_string_width(value) <= width:
            return value
        while value and self.get_string_width(value + "...") > width:
            value = value[:-1]
        return value + "..."

    def bars(self, modules: str, *, x: float, y: float, width: float, height: float) -> None:
        module = width / len(modules)
        run_start = None
        for i, bit in enumerate(modules + "0"):
            if bit == "1" and run_start is None:
                run_start = i
            elif bit == "0" and run_start is not None:
                self.rect(x + run_start * module, y, (i - run_start) * module, height, style="F")
                run_start = None


def build_pdf(invoice: Invoice) -> bytes:
    with translation.override(invoice.language):
        return render(invoice)


def render(invoice: Invoice) -> bytes:
    credit = invoice.is_credit_note
    pdf = InvoicePDF(format="A4")
    pdf.set_title(text(f"{invoice.get_kind_display()} {invoice.number}"))
    pdf.set_author(text(invoice.seller_name))
    # The invoice's own time, not the export's: the same invoice gives the same file, byte
    # for byte, whenever it is exported.
    pdf.set_creation_date(invoice.created_at)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()

    pdf.set_font(FONT, "B", 14)
    pdf.cell(110, 8, text(invoice.seller_name))
    pdf.cell(0, 8, text(_("HYVITYSLASKU") if credit else _("LASKU")), new_x="LMARGIN", new_y="NEXT")
    seller = [
        invoice.seller_street,
        f"{invoice.seller_postal_code} {invoice.seller_city}",
        _("Y-tunnus %(id)s") % {"id": invoice.seller_business_id},
        _("ALV-tunnus %(id)s") % {"id": invoice.seller_vat_number}
        if invoice.seller_vat_number
        else "",
        invoice.seller_email,
        invoice.seller_phone,
    ]
    top = pdf.get_y() + 2
    pdf.block(10, top, seller, title=_("Myyjä"))
    buyer = [
        invoice.buyer_name,
        invoice.buyer_street,
        f"{invoice.buyer_postal_code} {invoice.buyer_city}",
        _("Y-tunnus %(id)s") % {"id": invoice.buyer_business_id}
        if invoice.buyer_business_id
        else "",
    ]
    pdf.block(10, top + 38, buyer, title=_("Ostaja"))

    pdf.set_xy(120, top)
    facts = [
        (_("Laskun numero"), str(invoice.number)),
        (_("Laskun päivä"), day(invoice.issue_date)),
    ]
    if credit:
        facts.append((_("Hyvittää laskun"), str(invoice.credited_invoice.number)))
    else:
        facts += [
            (_("Eräpäivä"), day(invoice.due_date)),
            (
                _("Maksuehto"),
                _("%(days)s pv netto") % {"days": (invoice.due_date - invoice.issue_date).days},
            ),
            (_("Viitenumero"), grouped(invoice.reference)),
        ]
    facts += [
        (_("Laskutusjakso"), f"{day(invoice.period_start)}-{day(invoice.period_end)}"),
        (_("Viitteenne"), invoice.buyer_reference or "-"),
    ]
    if not credit:
        facts.append((_("Viivästyskorko"), _("korkolain mukainen")))
    for label, value in facts:
        pdf.set_x(120)
        pdf.set_font(FONT, "", 9)
        pdf.cell(35, 5, text(label))
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, text(value), new_x="LEFT", new_y="NEXT")

    pdf.set_xy(10, top + 70)
    widths = (24, 86, 14, 24, 16, 26)
    headings = (_("Päivä"), _("Kuvaus"), _("Määrä"), _("A-hinta"), _("Alv %"), _("Veroton"))
    pdf.set_font(FONT, "B", 9)
    for width, heading in zip(widths, headings, strict=True):
        pdf.cell(width, 6, text(heading), border="B", align="R" if width < 30 else "L")
    pdf.ln()
    pdf.set_font(FONT, "", 9)
    for line in invoice.lines.all():
        cells = (
            day(line.service_date),
            line.description,
            number_format(line.quantity.normalize(), use_l10n=True),
            euros(line.unit_price),
            number_format(line.vat_rate.normalize(), use_l10n=True),
            euros(line.net_amount),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, pdf.fit(text(value), width - 2), align="R" if width < 30 else "L")
        pdf.ln()

    pdf.ln(3)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 5, text(_("Arvonlisävero")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for rate, base, tax in invoice.vat_breakdown():
        pdf.cell(
            0,
            5,
            text(
                _("Alv %(rate)s %%: veroton %(base)s EUR, vero %(tax)s EUR")
                % {
                    "rate": number_format(rate.normalize(), use_l10n=True),
                    "base": euros(base),
                    "tax": euros(tax),
                }
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if invoice.vat_category == Invoice.VatCategory.EXEMPT:
        pdf.cell(
            0,
            5,
            text(_("Ei arvonlisäveroa: arvonlisäverolaki 3 § (vähäinen toiminta).")),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    for label, value in (
        (_("Veroton yhteensä"), invoice.total_net),
        (_("Arvonlisävero yhteensä"), invoice.total_vat),
        (_("Hyvitetään yhteensä") if credit else _("Maksettava yhteensä"), invoice.total),
    ):
        pdf.cell_line(label, f"{euros(value)} EUR", width=60)

    if not credit:
        payment(pdf, invoice)
    return bytes(pdf.output())


def payment(pdf: InvoicePDF, invoice: Invoice) -> None:
    """The bank transfer part: account, reference, due date, amount; the barcode and QR code."""
    pdf.ln(4)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, text(_("Maksutiedot")), new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y()
    pdf.cell_line(_("Saaja"), invoice.seller_name)
    pdf.cell_line(_("Saajan tilinumero (IBAN)"), iban_grouped(invoice.seller_iban))
    pdf.cell_line(_("BIC"), invoice.seller_bic)
    pdf.cell_line(_("Viitenumero"), grouped(invoice.reference))
    pdf.cell_line(_("RF-viite"), rf_reference(invoice.reference))
    pdf.cell_line(_("Eräpäivä"), day(invoice.due_date))
    pdf.cell_line(_("Euro"), euros(invoice.total))
    qr = barcode.epc_qr(invoice)
    if qr is not None:
        image = io.BytesIO()
        qr.save(image, kind="png", scale=4, border=2)
        image.seek(0)
        pdf.image(image, x=160, y=y, w=35, h=35)
    code = barcode.invoice_barcode(invoice)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 4, text(_("Virtuaaliviivakoodi")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", "", 9)
    pdf.cell(0, 5, code, new_x="LMARGIN", new_y="NEXT")
    modules = barcode.code128_modules(code)
    # Finance Finland: at least 0.25 mm a module, 10 mm high, quiet zones of 10 modules.
    bars_y = pdf.get_y() + 3
    pdf.bars(modules, x=15, y=bars_y, width=len(modules) * 0.5, height=13)
    pdf.set_y(bars_y + 15)
