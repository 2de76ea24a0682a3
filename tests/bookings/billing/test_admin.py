"""Invoicing in Henna's admin: the month's button, the downloads, credit notes and payments from
the invoice list, the import page, and the payer on an inquiry."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bookings.billing import services
from bookings.models import Invoice, Payer
from services.models import Practice

from .helpers import january, now_is_february
from .test_importing import COMPANY, COUNTY, HEADER

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_months_button_issues_the_invoices_and_says_which(admin_client):
    january()

    response = admin_client.post(
        reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"}, follow=True
    )

    assert messages_of(response) == [
        "1 Kymenlaakson hyvinvointialue 564,75 EUR",
        "2 Satamapalvelu Oy 301,20 EUR",
    ]
    assert Invoice.objects.count() == 2
    again = admin_client.post(
        reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"}, follow=True
    )
    assert messages_of(again) == ["Ei uusia laskutettavia tapaamisia."]


def test_an_invoice_is_read_only_with_its_downloads(admin_client):
    january()
    admin_client.post(reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"})
    invoice = Invoice.objects.get(number=1)

    page = admin_client.get(reverse("admin:bookings_invoice_change", args=[invoice.pk]))
    pdf = admin_client.get(reverse("admin:bookings_invoice_pdf", args=[invoice.pk]))
    xml = admin_client.get(reverse("admin:bookings_invoice_ubl", args=[invoice.pk]))

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="lasku-1.pdf"'
    assert b"<cbc:PayableAmount" in xml.content


def test_credit_and_mark_paid_from_the_list(admin_client):
    january()
    admin_client.post(reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"})
    first = Invoice.objects.get(number=1)
    second = Invoice.objects.get(number=2)
    changelist = reverse("admin:bookings_invoice_changelist")

    credited = admin_client.post(
        changelist, {"action": "credit", "_selected_action": [first.pk]}, follow=True
    )
    admin_client.post(changelist, {"action": "mark_paid", "_selected_action": [second.pk]})

    assert messages_of(credited)[-1] == "Hyvityslasku 3 laskulle 1."
    assert Invoice.objects.get(number=3).credited_invoice == first
    assert Invoice.objects.with_state().get(number=2).paid_on is not None


def test_the_month_export_for_bookkeeping(admin_client, monkeypatch):
    """By the invoice date: January's sessions are billed on 1 February."""
    now_is_february(monkeypatch)
    january()
    admin_client.post(reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"})

    response = admin_client.get(
        reverse("admin:bookings_invoice_month_export"), {"month": "2027-02"}
    )

    rows = response.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("numero;laji;päivä;eräpäivä;asiakas")
    assert rows[1:] == [
        "1;Lasku;2027-02-01;2027-02-22;Kymenlaakson hyvinvointialue;3221331-8;10016;25,50;"
        "450,00;114,75;564,75;;",
        "2;Lasku;2027-02-01;2027-02-15;Satamapalvelu Oy;1926008-0;10029;25,50;240,00;61,20;"
        "301,20;;",
    ]


def test_the_import_page_imports_or_names_the_bad_row(admin_client):
    url = reverse("admin:bookings_payer_import")
    bad = "\n".join([HEADER, COUNTY, COMPANY.replace("120,00", "sata")]).encode()
    good = "\n".join([HEADER, COUNTY, COMPANY]).encode()

    refused = admin_client.post(url, {"file": SimpleUploadedFile("a.csv", bad)})
    imported = admin_client.post(url, {"file": SimpleUploadedFile("a.csv", good)}, follow=True)

    assert "Rivi 3, sarake hinta, arvo ”sata”: ei ole luku." in refused.content.decode()
    assert messages_of(imported) == ["Tuotu: 2 uutta, 0 päivitetty."]
    assert Payer.objects.count() == 2


def test_the_overdue_filter_lists_what_is_past_due_and_unpaid(admin_client, monkeypatch):
    now_is_february(monkeypatch)
    january()
    admin_client.post(reverse("admin:bookings_invoice_create_month"), {"month": "2027-01"})
    services.mark_paid(invoice=Invoice.objects.get(number=1))
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2027, 3, 1))

    page = admin_client.get(reverse("admin:bookings_invoice_changelist"), {"maksu": "overdue"})

    assert [invoice.number for invoice in page.context["cl"].result_list] == [2]
    assert "erääntynyt" in page.content.decode()


def test_henna_picks_the_payer_on_the_inquiry_from_what_the_client_typed(admin_client):
    _county, _company, aino, _pekka = january()

    page = admin_client.get(reverse("admin:bookings_inquiry_change", args=[aino.pk]))
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "bookings",
            "model_name": "inquiry",
            "field_name": "payer",
            "term": "Kymen",
        },
    )

    assert 'name="payer"' in page.content.decode()
    assert [item["text"] for item in found.json()["results"]] == ["Kymenlaakson hyvinvointialue"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "FI49 5000 9420 0287 31", "Tilinumero ei kelpaa"),
        ("bic", "OKOY", "BIC ei kelpaa"),
    ],
)
def test_the_sellers_bank_details_are_checked(field, value, message):
    practice = Practice.objects.get()
    setattr(practice, field, value)

    with pytest.raises(ValidationError, match=message):
        practice.full_clean()
