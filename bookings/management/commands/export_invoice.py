from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bookings.billing import pdf, ubl
from bookings.models import Invoice


class Command(BaseCommand):
    help = (
        "Write invoice (or credit note) NUMBER as a PEPPOL BIS Billing 3.0 UBL file, for the "
        "e-invoice operator, or as a PDF in the invoice's language."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", type=int)
        parser.add_argument("--format", choices=["ubl", "pdf"], default="ubl")
        parser.add_argument("--output", required=True, help="The file to write ('-': stdout).")

    def handle(self, *args, number, format, output, **options):
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise CommandError(f"No invoice {number}.")
        content = ubl.build_ubl(invoice) if format == "ubl" else pdf.build_pdf(invoice)
        if output == "-":
            self.stdout.buffer.write(content) if hasattr(self.stdout, "buffer") else None
            return
        Path(output).write_bytes(content)
        self.stdout.write(f"{output}: {len(content)} bytes")
