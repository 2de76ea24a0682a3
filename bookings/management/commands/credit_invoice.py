from django.core.management.base import BaseCommand, CommandError

from bookings.billing import services
from bookings.models import Invoice


class Command(BaseCommand):
    help = "Issue a credit note for the whole invoice NUMBER; prints the credit note's number."

    def add_arguments(self, parser):
        parser.add_argument("number", type=int)

    def handle(self, *args, number, **options):
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise CommandError(f"No invoice {number}.")
        try:
            credit_note = services.credit_invoice(invoice=invoice)
        except services.InvoicingRefused as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{credit_note.number}")
