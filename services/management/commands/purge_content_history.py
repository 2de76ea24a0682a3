from django.conf import settings
from django.core.management.base import BaseCommand

from services.history import purge_history


class Command(BaseCommand):
    help = (
        "Deletes the content's versions older than DJANGO_CONTENT_HISTORY_DAYS "
        "(the content as it is now stays)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Instead of the setting.")

    def handle(self, *args, days=None, **options):
        days = settings.CONTENT_HISTORY_DAYS if days is None else days
        deleted = purge_history(days=days)
        self.stdout.write(f"Deleted {deleted} content revisions older than {days} days.")
