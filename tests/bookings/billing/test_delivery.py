"""Delivery: the PDF by email to the organisation that takes it, through the outbox, once; the
others get none (their UBL file goes to Henna's e-invoice operator)."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from bookings.billing import services
from bookings.models import Invoice, Notification
from bookings.outbox.worker import send_pending_notifications

from .helpers import CLIENT_MESSAGE, TODAY, january
from .test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def test_the_company_gets_its_pdf_by_email_once_the_county_none(
    django_capture_on_commit_callbacks,
):
    january()

    with django_capture_on_commit_callbacks(execute=True):
        _county_invoice, company_invoice = services.create_month_invoices(
            month=services.Month(2027, 1), today=TODAY
        )
    send_pending_notifications()

    (email,) = mail.outbox
    assert email.to == ["laskut@satamapalvelu.example"]
    assert email.reply_to == ["henna@aventuria.fi"]
    assert email.subject == "Invoice 2 – Aventuria ohjaus & terapia"
    assert "Total: 301.20 EUR" in email.body
    assert CLIENT_MESSAGE not in email.body
    ((filename, content, mimetype),) = email.attachments
    assert (filename, mimetype) == ("invoice-2.pdf", "application/pdf")
    assert "Total due 301.20 EUR" in pdf_text(content)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert Invoice.objects.with_state().get(pk=company_invoice.pk).sent_at is not None
    assert Notification.objects.get(invoice=company_invoice).sent_at is not None
