"""Invoicing in Henna's admin: the organisations who pay (with the CSV import), the month's
invoices (a button), credit notes and payments (list actions), the downloads (PDF, UBL) and the
month's export for her bookkeeping. Every write goes through services.py or importing.py."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aventuria.csv_export import csv_cell, csv_response

from ..models import Invoice, InvoiceLine, Payer, PayerPrice
from ..models.billing import invoice_day
from . import pdf, services, ubl
from .importing import HEADER, ImportRefused, import_payers


class PayerPriceInline(admin.TabularInline):
    model = PayerPrice
    extra = 0


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV-tiedosto"),
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "Tallenna Excelistä muodossa CSV UTF-8 (puolipiste erottimena). Otsikkorivi:"
            ),
            ";".join(HEADER),
        ),
    )


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    change_list_template = "admin/bookings/payer/change_list.html"
    list_display = ["name", "business_id", "delivery", "price", "vat_rate", "payment_term_days"]
    list_filter = ["delivery", "language"]
    search_fields = ["name", "business_id", "buyer_reference"]
    inlines = [PayerPriceInline]
    fieldsets = [
        (None, {"fields": ["name", "business_id", "street", "postal_code", "city"]}),
        (
            gettext_lazy("Laskun toimitus"),
            {
                "fields": [
                    "delivery",
                    "einvoice_address",
                    "einvoice_operator",
                    "email",
                    "buyer_reference",
                    "language",
                ]
            },
        ),
        (
            gettext_lazy("Hinta ja ehdot"),
            {
                "fields": [
                    "price",
                    "vat_rate",
                    "payment_term_days",
                    "bill_late_cancellations",
                    "bill_no_shows",
                    "name_participants",
                ]
            },
        ),
    ]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="bookings_payer_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:bookings_payer_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = import_payers(form.cleaned_data["file"].read())
            except ImportRefused as error:
                form.add_error("file", error.message)
            else:
                self.message_user(
                    request,
                    _("Tuotu: %(created)s uutta, %(updated)s päivitetty.")
                    % {"created": result.created, "updated": result.updated},
                    messages.SUCCESS,
                )
                return redirect("admin:bookings_payer_changelist")
        return TemplateResponse(
            request,
            "admin/bookings/billing_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Tuo laskutusasiakkaat"),
                "form": form,
                "submit_label": _("Tuo"),
                "intro": _("Kaikki tai ei mitään: virheellinen rivi estää koko tuonnin."),
            },
        )


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["service_date", "description", "quantity", "unit_price", "vat_rate", "net_amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentFilter(admin.SimpleListFilter):
    title = gettext_lazy("maksu")
    parameter_name = "maksu"

    def lookups(self, request, model_admin):
        return [
            ("overdue", gettext_lazy("Erääntyneet")),
            ("unpaid", gettext_lazy("Maksamatta")),
            ("paid", gettext_lazy("Maksetut")),
        ]

    def queryset(self, request, queryset):
        unpaid = queryset.filter(kind=Invoice.Kind.INVOICE, paid_on__isnull=True, credited=False)
        match self.value():
            case "overdue":
                return unpaid.filter(due_date__lt=timezone.localdate())
            case "unpaid":
                return unpaid
            case "paid":
                return queryset.filter(paid_on__isnull=False)
        return queryset


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=gettext_lazy("kuukausi"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text=gettext_lazy("Muodossa VVVV-KK, esim. 2027-01."),
    )


def previous_month() -> str:
    first = timezone.localdate().replace(day=1)
    last = first - timezone.timedelta(days=1)
    return f"{last:%Y-%m}"


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Issued invoices are read only: corrections are credit notes."""

    change_list_template = "admin/bookings/invoice/change_list.html"
    change_form_template = "admin/bookings/invoice/change_form.html"
    list_display = [
        "number",
        "kind",
        "buyer_name",
        "issue_date",
        "due_date",
        "total",
        "paid",
        "delivery",
    ]
    list_filter = [PaymentFilter, "kind", "delivery", "issue_date"]
    search_fields = ["=number", "buyer_name", "buyer_reference"]
    inlines = [InvoiceLineInline]
    actions = ["credit", "mark_paid"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "kind",
                    "credited_invoice",
                    "payer",
                    "language",
                    "issue_date",
                    "due_date",
                    "period_start",
                    "period_end",
                    "reference",
                ]
            },
        ),
        (
            gettext_lazy("Ostaja laskulla"),
            {"fields": ["buyer_name", "buyer_address", "buyer_reference", "delivered_to"]},
        ),
        (gettext_lazy("Summat"), {"fields": ["total_net", "total_vat", "total", "vat_basis"]}),
        (gettext_lazy("Tila"), {"fields": ["sent", "paid"]}),
    ]
    readonly_fields = ["buyer_address", "delivered_to", "vat_basis", "sent", "paid"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_state()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("osoite"))
    def buyer_address(self, obj):
        business_id = _("y-tunnus %(id)s") % {"id": obj.buyer_business_id}
        return ", ".join(
            part
            for part in (
                obj.buyer_street,
                f"{obj.buyer_postal_code} {obj.buyer_city}",
                business_id if obj.buyer_business_id else "",
            )
            if part
        )

    @admin.display(description=gettext_lazy("toimitus"))
    def delivered_to(self, obj):
        if obj.delivery == Payer.Delivery.EMAIL:
            return _("PDF sähköpostilla osoitteeseen %(email)s") % {"email": obj.buyer_email}
        _scheme, address = obj.buyer_endpoint
        operator = obj.buyer_einvoice_operator
        return _("Verkkolasku osoitteeseen %(address)s%(operator)s") % {
            "address": address,
            "operator": _(", välittäjä %(operator)s") % {"operator": operator} if operator else "",
        }

    @admin.display(description=gettext_lazy("alv-peruste"))
    def vat_basis(self, obj):
        if obj.vat_category == Invoice.VatCategory.EXEMPT:
            return obj.vat_exemption_reason
        return obj.get_vat_category_display()

    @admin.display(description=gettext_lazy("lähetetty"))
    def sent(self, obj):
        sent_at = getattr(obj, "sent_at", None)
        if sent_at:
            return invoice_day(timezone.localdate(sent_at))
        if obj.delivery == Payer.Delivery.EMAIL:
            return _("jonossa")
        return _("lataa verkkolasku ja vie se operaattorin palveluun")

    @admin.display(description=gettext_lazy("maksettu"))
    def paid(self, obj):
        if obj.paid_on:
            return invoice_day(obj.paid_on)
        if obj.kind == Invoice.Kind.INVOICE and obj.credited:
            return _("hyvitetty")
        if obj.kind == Invoice.Kind.INVOICE and obj.due_date < timezone.localdate():
            return _("erääntynyt")
        return "–"

    @admin.action(description=gettext_lazy("Hyvitä valitut laskut"), permissions=["view"])
    def credit(self, request, queryset):
        for invoice in queryset.order_by("number"):
            try:
                credit_note = services.credit_invoice(invoice=invoice)
            except services.InvoicingRefused as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Hyvityslasku %(credit)s laskulle %(number)s.")
                    % {"credit": credit_note.number, "number": invoice.number},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Merkitse maksetuiksi tänään"), permissions=["view"])
    def mark_paid(self, request, queryset):
        for invoice in queryset:
            services.mark_paid(invoice=invoice)
        self.message_user(
            request, _("%(count)s laskua merkitty maksetuiksi.") % {"count": queryset.count()}
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("month/", view(self.create_month_view), name="bookings_invoice_create_month"),
            path("export/", view(self.month_export_view), name="bookings_invoice_month_export"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="bookings_invoice_pdf"),
            path("<int:pk>/ubl/", view(self.ubl_view), name="bookings_invoice_ubl"),
            *super().get_urls(),
        ]

    def form_page(self, request, form, *, title, submit_label, intro=""):
        return TemplateResponse(
            request,
            "admin/bookings/billing_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "form": form,
                "submit_label": submit_label,
                "intro": intro,
            },
        )

    def create_month_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        form = MonthForm(request.POST or None, initial={"month": previous_month()})
        if request.method == "POST" and form.is_valid():
            month = services.Month.parse(form.cleaned_data["month"])
            try:
                invoices = services.create_month_invoices(month=month)
            except services.InvoicingRefused as error:
                form.add_error(None, error.message)
                self.message_user(request, error.message, messages.ERROR)
            else:
                for invoice in invoices:
                    self.message_user(
                        request,
                        f"{invoice.number} {invoice.buyer_name} "
                        f"{number_format(invoice.total, 2, use_l10n=True)} EUR",
                        messages.SUCCESS,
                    )
                if not invoices:
                    self.message_user(request, _("Ei uusia laskutettavia tapaamisia."))
                return redirect("admin:bookings_invoice_changelist")
        return self.form_page(
            request,
            form,
            title=_("Laskuta kuukausi"),
            submit_label=_("Luo laskut"),
            intro=_(
                "Luo laskun jokaiselle laskutusasiakkaalle, jolla on kuukauden "
                "aikana pidettyjä, myöhään peruttuja tai väliin jääneitä tapaamisia, joita ei "
                "ole vielä laskutettu."
            ),
        )

    def month_export_view(self, request):
        form = MonthForm(request.GET or None, initial={"month": previous_month()})
        if not form.is_valid():
            return self.form_page(
                request, form, title=_("Kuukauden laskut kirjanpitoon"), submit_label=_("Lataa")
            )
        month = services.Month.parse(form.cleaned_data["month"])
        response, writer = csv_response(f"laskut-{month}")
        write_month(writer, month)
        return response

    def download(self, pk: int, content: bytes, content_type: str, extension: str):
        invoice = get_object_or_404(Invoice, pk=pk)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="lasku-{invoice.number}.{extension}"'
        )
        return response

    def pdf_view(self, request, pk):
        return self.download(
            pk, pdf.build_pdf(get_object_or_404(Invoice, pk=pk)), "application/pdf", "pdf"
        )

    def ubl_view(self, request, pk):
        return self.download(
            pk, ubl.build_ubl(get_object_or_404(Invoice, pk=pk)), "application/xml", "xml"
        )


def euros(value) -> str:
    return number_format(value, 2, use_l10n=False).replace(".", ",")


def write_month(writer, month: services.Month) -> None:
    """The month's invoices and credit notes for bookkeeping, one row per VAT rate."""
    writer.writerow(
        [
            "numero",
            "laji",
            "päivä",
            "eräpäivä",
            "asiakas",
            "y-tunnus",
            "viite",
            "alv %",
            "veroton",
            "alv",
            "yhteensä",
            "hyvittää",
            "maksettu",
        ]
    )
    invoices = (
        Invoice.objects.with_state()
        .filter(issue_date__gte=month.first_day, issue_date__lte=month.last_day)
        .order_by("number")
        .prefetch_related("lines")
    )
    for invoice in invoices:
        for rate, base, tax in invoice.vat_breakdown():
            writer.writerow(
                [
                    invoice.number,
                    invoice.get_kind_display(),
                    invoice.issue_date.isoformat(),
                    invoice.due_date.isoformat(),
                    csv_cell(invoice.buyer_name),
                    invoice.buyer_business_id,
                    invoice.reference,
                    euros(rate),
                    euros(base),
                    euros(tax),
                    euros(base + tax),
                    invoice.credited_invoice.number if invoice.credited_invoice else "",
                    invoice.paid_on.isoformat() if invoice.paid_on else "",
                ]
            )
