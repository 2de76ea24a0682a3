"""The month's invoices: what is billed, to whom, for how much, once; numbers without gaps; an
issued invoice that nothing can change, not even erasing the clients."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from bookings.billing import services
from bookings.inquiries.privacy import erase_person
from bookings.models import ImmutableRecord, Invoice, InvoiceLine, Meeting, PayerPrice
from services.models import Practice

from .helpers import TODAY, client_of, helsinki, january, now_is_february, session, session_type

pytestmark = pytest.mark.django_db
JANUARY = services.Month(2027, 1)


def issue(month=JANUARY):
    return services.create_month_invoices(month=month, today=TODAY)


def test_a_month_becomes_one_invoice_per_organisation_that_adds_up():
    the_county, _company, _aino, _pekka = january()

    county_invoice, company_invoice = issue()

    # Held 5.1., cancelled late 19.1., held 31.1. at 23.30: three at 150 € + 25.5 % VAT.
    assert county_invoice.payer == the_county
    assert [line.description for line in county_invoice.lines.all()] == [
        "Työnohjaus 5.1.2027",
        "Työnohjaus 19.1.2027, peruttu myöhään",
        "Työnohjaus 31.1.2027",
    ]
    assert (county_invoice.total_net, county_invoice.total_vat, county_invoice.total) == (
        Decimal("450.00"),
        Decimal("114.75"),
        Decimal("564.75"),
    )
    assert county_invoice.buyer_reference == "TIL-2027-0042"
    assert county_invoice.due_date.isoformat() == "2027-02-22"
    # Held 12.1. and missed 27.1.; cancelled in time 26.1. is not billed, nor 1.2. at 00.30.
    # The company reads English.
    assert [line.description for line in company_invoice.lines.all()] == [
        "Work supervision 12 Jan 2027",
        "Work supervision 27 Jan 2027, no-show",
    ]
    assert company_invoice.total == Decimal("301.20")
    assert sum(line.net_amount for line in county_invoice.lines.all()) == Decimal("450.00")


def test_a_session_at_half_past_midnight_on_1_february_is_februarys():
    _county, the_company, _aino, _pekka = january()
    issue()

    (february,) = issue(services.Month(2027, 2))

    assert february.payer == the_company
    assert [line.service_date.isoformat() for line in february.lines.all()] == ["2027-02-01"]


def test_running_the_month_again_creates_nothing_new():
    january()
    first = issue()

    assert issue() == []
    assert Invoice.objects.count() == len(first) == 2


def test_the_command_prints_number_organisation_and_total_per_invoice(monkeypatch):
    january()
    now_is_february(monkeypatch)
    out = io.StringIO()

    call_command("create_invoices", "--month", "2027-01", stdout=out)
    again = io.StringIO()
    call_command("create_invoices", "--month", "2027-01", stdout=again)

    assert out.getvalue().splitlines() == [
        "1\tKymenlaakson hyvinvointialue\t564.75 EUR",
        "2\tSatamapalvelu Oy\t301.20 EUR",
        "2 invoices created for 2027-01.",
    ]
    assert again.getvalue().splitlines() == ["0 invoices created for 2027-01."]


def test_terms_without_late_cancellations_and_no_shows_bill_held_sessions_only():
    the_county, the_company, _aino, _pekka = january()
    the_county.bill_late_cancellations = False
    the_county.save()
    the_company.bill_no_shows = False
    the_company.save()

    county_invoice, company_invoice = issue()

    assert county_invoice.lines.count() == 2
    assert company_invoice.lines.count() == 1


def test_a_price_per_meeting_type_and_the_participants_name_where_asked():
    the_county, _company, aino, _pekka = january()
    PayerPrice.objects.create(payer=the_county, meeting_type=session_type(), price="175.50")
    the_county.name_participants = True
    the_county.save()

    county_invoice, _company_invoice = issue()

    first = county_invoice.lines.first()
    assert first.unit_price == Decimal("175.50")
    assert first.description == "Työnohjaus 5.1.2027, Aino Asiakas"
    # Never what the client wrote.
    assert all(aino.message not in line.description for line in county_invoice.lines.all())


def test_a_practice_outside_the_vat_register_invoices_without_vat():
    january(vat_registered=False)

    county_invoice, _company_invoice = issue()

    assert county_invoice.total_vat == Decimal("0.00")
    assert county_invoice.total == Decimal("450.00")
    assert county_invoice.vat_category == Invoice.VatCategory.EXEMPT
    assert "3 §" in county_invoice.vat_exemption_reason
    assert county_invoice.seller_vat_number == ""


def test_numbers_run_without_gaps_even_when_an_issue_fails():
    january()
    first, second = issue()
    # A failing run (here: the seller's bank details missing) takes no number.
    seller = Practice.objects.get()
    iban = seller.iban
    seller.iban = ""
    seller.save()
    pekka = client_of(second.payer, "Paula Uusi", "paula@example.org")
    session(pekka, helsinki(2027, 3, 3, 10))
    with pytest.raises(services.InvoicingRefused):
        issue(services.Month(2027, 3))
    seller.iban = iban
    seller.save()

    credit_note = services.credit_invoice(invoice=first, today=TODAY)
    (march,) = issue(services.Month(2027, 3))

    assert [first.number, second.number, credit_note.number, march.number] == [1, 2, 3, 4]


def test_an_issued_invoice_cannot_be_changed_or_deleted():
    january()
    invoice, _other = issue()

    invoice.total = Decimal("1.00")
    with pytest.raises(ImmutableRecord):
        invoice.save()
    with pytest.raises(ImmutableRecord):
        invoice.delete()
    with pytest.raises(ImmutableRecord):
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    line = invoice.lines.first()
    with pytest.raises(ImmutableRecord):
        line.save()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE bookings_invoice SET total = 1",
        "DELETE FROM bookings_invoice",
        "UPDATE bookings_invoiceline SET unit_price = 1",
        "DELETE FROM bookings_invoiceline",
    ],
)
def test_the_database_itself_refuses_to_change_an_issued_invoice(statement):
    january()
    issue()

    with (
        pytest.raises(DatabaseError, match="cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert Invoice.objects.filter(total=Decimal("564.75")).exists()
    assert InvoiceLine.objects.count() == 5


def test_erasing_both_clients_leaves_the_invoices_as_they_were(admin_user):
    _county, _company, aino, pekka = january()
    invoices = issue()
    before = [
        (invoice.buyer_name, invoice.total, [line.description for line in invoice.lines.all()])
        for invoice in invoices
    ]

    erase_person(email=aino.email, user=admin_user)
    erase_person(email=pekka.email, user=admin_user)

    assert not Meeting.objects.exists()
    after = [
        (invoice.buyer_name, invoice.total, [line.description for line in invoice.lines.all()])
        for invoice in Invoice.objects.order_by("number")
    ]
    assert after == before


def test_a_credit_note_negates_the_invoice_and_its_sessions_can_be_billed_again():
    january()
    county_invoice, _company_invoice = issue()
    out = io.StringIO()

    call_command("credit_invoice", str(county_invoice.number), stdout=out)

    credit_note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert out.getvalue().strip() == str(credit_note.number) == "3"
    assert credit_note.credited_invoice == county_invoice
    assert credit_note.total == Decimal("-564.75")
    assert [line.net_amount for line in credit_note.lines.all()] == [Decimal("-150.00")] * 3
    with pytest.raises(services.InvoicingRefused, match="on jo hyvitetty"):
        services.credit_invoice(invoice=county_invoice)
    (again,) = issue()
    assert again.number == 4
    assert again.total == Decimal("564.75")


def test_a_credit_note_refers_to_an_invoice_in_the_database():
    january()
    with pytest.raises(IntegrityError), transaction.atomic():
        services.save_invoice(
            number=99,
            lines=[],
            kind=Invoice.Kind.CREDIT_NOTE,
            **{
                field.name: getattr(Invoice(), field.name)
                for field in Invoice._meta.concrete_fields
                if field.name
                not in (
                    "id",
                    "number",
                    "kind",
                    "reference",
                    "total_net",
                    "total_vat",
                    "total",
                    "created_at",
                )
                and not field.is_relation
            },
        )


def test_paid_and_overdue():
    january()
    county_invoice, company_invoice = issue()
    later = company_invoice.due_date.replace(day=company_invoice.due_date.day + 1)

    services.mark_paid(invoice=county_invoice, on=TODAY)

    assert list(Invoice.objects.overdue(today=later)) == [company_invoice]
    assert list(Invoice.objects.overdue(today=TODAY)) == []


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fi", "ne säilytetään kuusi vuotta sen vuoden lopusta"),
        ("en", "they are kept for six years from the end of the year"),
    ],
)
def test_the_privacy_notice_says_invoices_are_kept_six_years(client, language, sentence):
    with translation.override(language):
        url = reverse("services:privacy")

    page = client.get(url)

    assert sentence in page.content.decode()


def test_a_hold_the_client_never_confirmed_is_not_billed():
    _county, _company, aino, _pekka = january()
    hold = session(aino, helsinki(2027, 1, 26, 9))
    hold.hold_until = helsinki(2027, 1, 1, 9)  # Stored as a hold: never confirmed.
    hold.save(update_fields=["hold_until"])

    county_invoice, _company_invoice = issue()

    assert [line.service_date.day for line in county_invoice.lines.all()] == [5, 19, 31]


def test_the_invoice_gives_the_practices_street_address_where_it_has_one():
    january()
    practice = Practice.objects.get()
    practice.street_address = "Keskuskatu 12 B"
    practice.save()

    county_invoice, _company_invoice = issue()

    assert county_invoice.seller_street == "Keskuskatu 12 B"
