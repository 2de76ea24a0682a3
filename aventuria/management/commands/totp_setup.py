import sys
from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Enrol a staff account for two-factor admin login: prints a QR code to scan with an "
        "authenticator app, then asks for one code from the app to confirm it."
    )
    # Tests pass their own input, as Django's createsuperuser does.
    stealth_options = ("stdin",)
    attempts = 3

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the account's existing device (a lost or new phone).",
        )
        parser.add_argument("--name", default="puhelin", help="Name of the device.")

    def handle(self, *args, username, replace, name, **options):
        stdin = options.get("stdin") or sys.stdin
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No account named {username!r}.") from None
        if not user.is_staff:
            raise CommandError(f"{username!r} is not a staff account; the admin would refuse it.")
        existing = TOTPDevice.objects.filter(user=user, confirmed=True)
        if existing.exists() and not replace:
            raise CommandError(
                f"{username!r} already has a device. Use --replace for a new phone "
                "(the old one stops working once the new one is confirmed)."
            )
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)

        url = device.config_url
        self.stdout.write(
            "Scan this QR code with an authenticator app (for example Google Authenticator, "
            "Microsoft Authenticator or FreeOTP):\n"
        )
        segno.make(url, error="m").terminal(out=self.stdout._out, compact=True)
        self.stdout.write(
            f"\nOr type the key by hand: {b32encode(device.bin_key).decode()}\notpauth URL: {url}\n"
        )
        for _attempt in range(self.attempts):
            self.stdout.write("Code shown by the app: ", ending="")
            self.stdout.flush()
            code = stdin.readline().strip()
            if not code:
                break
            if device.verify_token(code):
                with transaction.atomic():
                    existing.exclude(pk=device.pk).delete()
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Device {name!r} confirmed: {username} now logs in with a code from it."
                    )
                )
                return
            self.stdout.write(self.style.ERROR("That code did not match; try the next one."))
        device.delete()
        raise CommandError("Not confirmed: no device was added. Run the command again.")
