from django.core.management.base import BaseCommand, CommandError

from bookings import services


class Command(BaseCommand):
    help = (
        "Send the inquiry emails that are still pending (for cron or a systemd timer). "
        "Exits with status 1 when an email could not be sent; it stays pending for the next run."
    )

    def handle(self, *args, **options):
        result = services.send_pending_notifications()
        # Counts only: the output lands in cron mail and journald, so nothing personal.
        summary = f"Sent {result.sent}, failed {result.failed}."
        if result.failed:
            raise CommandError(summary)
        self.stdout.write(summary)
