"""Refresh the .po catalogues from the source and list what still needs a translator.

A development tool: it needs gettext's command-line tools and the dev dependency polib.

Our source strings are Finnish, so the Finnish catalogue repeats each msgid (as gettext's msgen
does). A few templates reuse Django's own English strings (the admin login, for one): because
locale/ outranks Django's catalogues, copying those would turn the Finnish admin English, so
such entries get the translation Django itself ships for that language.
"""

import subprocess
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command

IGNORE = [".venv", "node_modules", "staticfiles", "tests", "test-artifacts", ".cache", "bench"]
# The language Django and the libraries write their own strings in.
LIBRARY_SOURCE_LANGUAGE = "en"


def catalogue(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def is_missing(entry) -> bool:
    """Empty or fuzzy: a visitor would see the Finnish source, or a guess."""
    if entry.obsolete:
        return False
    if entry.msgid_plural:
        return entry.fuzzy or not all(entry.msgstr_plural.values())
    return entry.fuzzy or not entry.msgstr


def library_translations(language: str) -> dict:
    """Django's and the installed apps' own translations, keyed by context, msgid and plural."""
    import polib

    own = {Path(path).resolve() for path in settings.LOCALE_PATHS}
    # Installed apps first: they outrank Django's global catalogue, as at run time.
    dirs = [Path(app.path) / "locale" for app in apps.get_app_configs()]
    dirs.append(Path(django.__file__).parent / "conf" / "locale")
    found = {}
    for directory in dirs:
        mo = directory / language / "LC_MESSAGES" / "django.mo"
        if directory.resolve() in own or not mo.exists():
            continue
        for entry in polib.mofile(str(mo)):
            found.setdefault(key(entry), entry)
    return found


def key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural)


def copy_translation(entry, source) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = dict(source.msgstr_plural)
    else:
        entry.msgstr = source.msgstr


def copy_msgid(entry) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
    else:
        entry.msgstr = entry.msgid


class Command(BaseCommand):
    help = (
        "Run makemessages for every language in settings.LANGUAGES, copy the Finnish source "
        "strings into the Finnish catalogue and list untranslated or fuzzy entries elsewhere."
    )

    def handle(self, *args, **options):
        import polib

        languages = [code for code, _name in settings.LANGUAGES]
        call_command(
            "makemessages",
            locale=languages,
            no_location=True,
            no_obsolete=True,
            ignore_patterns=IGNORE,
            verbosity=0,
        )
        # Which msgids are Django's own: those its source-language-independent catalogue knows.
        library_msgids = set(library_translations(settings.LANGUAGE_CODE))
        remaining = 0
        for language in languages:
            path = catalogue(language)
            po = polib.pofile(str(path))
            self.fix_header(po, language)
            library = library_translations(language)
            for entry in po:
                borrowed = key(entry) in library_msgids
                if language == settings.LANGUAGE_CODE or (borrowed and is_missing(entry)):
                    if borrowed and key(entry) in library:
                        copy_translation(entry, library[key(entry)])
                    elif not borrowed or language == LIBRARY_SOURCE_LANGUAGE:
                        copy_msgid(entry)
                    else:
                        continue
                    entry.fuzzy = False
                    entry.previous_msgid = entry.previous_msgid_plural = None
            po.save()
            # polib wraps lines a little differently; let gettext format it as makemessages does.
            subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)  # noqa: S603, S607
            missing = [entry for entry in po if is_missing(entry)]
            remaining += len(missing)
            self.stdout.write(f"{path}: {len(po.translated_entries())} translated")
            for entry in missing:
                state = "fuzzy" if entry.fuzzy else "untranslated"
                context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
                self.stdout.write(f"  [{state}] {entry.msgid!r}{context}")
                if entry.previous_msgid:
                    self.stdout.write(f"      was {entry.previous_msgid!r}")
        if remaining:
            raise CommandError(
                f"{remaining} entries need a translation: edit the .po files above (and remove "
                "the fuzzy flag once checked), then run make messages."
            )
        self.stdout.write(self.style.SUCCESS("Every catalogue is complete."))

    def fix_header(self, po, language: str) -> None:
        po.metadata["Language"] = language
        po.metadata["Project-Id-Version"] = "aventuria"
        po.metadata_is_fuzzy = False
        if "SOME DESCRIPTIVE TITLE" in (po.header or ""):
            # A new catalogue: replace the template's placeholders once.
            po.header = f"Aventuria ohjaus & terapia: the site's strings, language {language}."
            po.metadata["Last-Translator"] = po.metadata["Language-Team"] = "Aventuria"
            po.metadata["PO-Revision-Date"] = po.metadata["POT-Creation-Date"]
