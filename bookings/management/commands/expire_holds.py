from django.core.management.base import BaseCommand

from bookings.scheduling import meetings


class Command(BaseCommand):
    help = (
        "Free the times of new clients' bookings not confirmed within "
        f"{meetings.HOLD_MINUTES} minutes. Every booking does this first, so this is only to "
        "show the times free again on a quiet day: run it every few minutes from cron."
    )

    def handle(self, *args, **options):
        expired = meetings.expire_holds()
        self.stdout.write(f"{expired} unconfirmed bookings expired")
