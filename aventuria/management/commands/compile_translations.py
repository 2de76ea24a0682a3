"""Compile the .po catalogues into the .mo files Django reads, with or without gettext.

Django's compilemessages needs gettext's msgfmt, which a fresh macOS or a minimal container
lacks; then polib (a dev dependency) writes the same .mo files in pure Python, so `make run`
and `make test` work anyway. Production images install gettext and use compilemessages.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po (msgfmt when installed, else polib)."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command(
                "compilemessages",
                ignore_patterns=[".venv", "node_modules", "staticfiles"],
                verbosity=options["verbosity"],
            )
            return
        try:
            import polib
        except ImportError as exc:
            raise CommandError(
                "Neither gettext's msgfmt nor polib is installed: install gettext "
                "(apt-get install gettext, brew install gettext) or the dev dependencies."
            ) from exc
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                if options["verbosity"] > 0:
                    self.stdout.write(f"compiled {po_path} with polib")
