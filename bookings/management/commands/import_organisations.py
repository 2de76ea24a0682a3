from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bookings.billing.importing import ImportRefused, import_payers


class Command(BaseCommand):
    help = (
        "Import the organisations who pay (Laskutusasiakkaat) from a CSV file saved from Excel: "
        "';' between columns, UTF-8 with or without BOM, header "
        "nimi;y-tunnus;katuosoite;postinumero;postitoimipaikka;verkkolaskuosoite;"
        "välittäjätunnus;viitteenne;sähköposti;hinta;alv;maksuehto. All or nothing; a known "
        "y-tunnus updates that organisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            result = import_payers(Path(file).read_bytes())
        except ImportRefused as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{result.created} organisations added, {result.updated} updated.")
