from django.core.management.base import BaseCommand, CommandError

from bookings.calendar.busy import sync_busy_calendar


class Command(BaseCommand):
    help = (
        "Fetch Henna's own calendar (the iCal address in the admin) and store its busy times, "
        "for cron every few minutes. Exits with status 1 when it could not be read; the busy "
        "times fetched last stay in force. Does nothing while no address is set."
    )

    def handle(self, *args, **options):
        result = sync_busy_calendar()
        if not result.ok:
            raise CommandError(str(result))
        self.stdout.write(str(result))
