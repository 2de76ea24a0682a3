from django.core.management.base import BaseCommand, CommandError

from bookings.billing import services


class Command(BaseCommand):
    help = (
        "Issue the month's invoices: one per organisation with billable sessions that started in "
        "the month (Helsinki time). Prints one line per invoice: number, organisation, total. "
        "Running it again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, YYYY-MM.")

    def handle(self, *args, month, **options):
        try:
            invoices = services.create_month_invoices(month=services.Month.parse(month))
        except ValueError as error:
            raise CommandError(str(error)) from error
        except services.InvoicingRefused as error:
            raise CommandError(error.message) from error
        for invoice in invoices:
            self.stdout.write(f"{invoice.number}\t{invoice.buyer_name}\t{invoice.total} EUR")
        self.stdout.write(f"{len(invoices)} invoices created for {month}.")
