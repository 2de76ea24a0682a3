from django.core.management.base import BaseCommand
from django.utils import timezone

from aventuria.retention import purge_login_records
from bookings.inquiries import privacy


class Command(BaseCommand):
    help = (
        "Delete the inquiries whose retention period has ended, with their notes, history and "
        "email records (settings RETENTION_MONTHS_NO_CLIENT, RETENTION_MONTHS_AFTER_CLIENT, "
        "RETENTION_DAYS_SPAM), admin login records older than RETENTION_DAYS_LOGIN_ATTEMPTS "
        "days and expired sessions. Run daily from cron or compose.yaml."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be deleted (id, reference, date, rule) and delete nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        due = privacy.purge_due_inquiries(dry_run=dry_run)
        # The output lands in cron mail and container logs: ids, references and dates only.
        for item in due:
            self.stdout.write(
                f"{item.pk}\t{item.reference}\t"
                f"{timezone.localtime(item.due_at):%Y-%m-%d}\t{item.reason.value}"
            )
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{len(due)} inquiries {verb}.")
        logins = purge_login_records(dry_run=dry_run)
        self.stdout.write(
            f"{logins.login_records} login records and {logins.sessions} expired sessions {verb}."
        )
