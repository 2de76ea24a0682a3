import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "For local development (make run): create the admin account 'henna' with a generated "
        "password on the first run and print it once; later runs only say where to log in."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Only for local development; in production use 'manage.py createsuperuser'."
            )
        url = f"http://127.0.0.1:8000/{settings.ADMIN_URL}"
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                f"Admin: {url} (log in with the account created on the first run; forgot the "
                "password? run: .venv/bin/python manage.py changepassword henna)"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("henna", "henna@example.invalid", password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin: {url}\n  username: henna\n  password: {password}\n"
                "  (shown once: this is a local development account)"
            )
        )
