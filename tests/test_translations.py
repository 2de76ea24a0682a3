"""The translation catalogues: complete, consistent with their source strings, and up to date
with the code (`make messages-update` refreshes them)."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from aventuria.management.commands.update_translations import IGNORE
from tests.conftest import IN_CI

LOCALE = Path(settings.LOCALE_PATHS[0])
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def translations(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural.get(i, "") for i in range(2)]
    return [entry.msgstr]


def sources(entry) -> list[str]:
    return [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_catalogue_is_complete_with_no_empty_or_fuzzy_entries(language):
    po = catalogue(language)
    assert po.metadata["Language"] == language
    assert not po.metadata_is_fuzzy
    entries = [entry for entry in po if not entry.obsolete]
    assert len(entries) > 200
    empty = [entry.msgid for entry in entries if not all(translations(entry))]
    fuzzy = [entry.msgid for entry in entries if entry.fuzzy]
    assert empty == [], f"untranslated in {language}: run make messages-update"
    assert fuzzy == [], f"fuzzy in {language}: check the translation, then drop the flag"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language):
        for source, translated in zip(sources(entry), translations(entry), strict=True):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                wrong.append((source, translated))
    assert wrong == []


def test_finnish_catalogue_repeats_the_finnish_source():
    po = catalogue(settings.LANGUAGE_CODE)
    ours = [entry for entry in po if re.search("[äöÄÖ]", entry.msgid)]
    assert len(ours) > 100
    assert [e.msgid for e in ours if translations(e) != sources(e)] == []
    # Strings a template borrows from Django keep Django's Finnish, not the English msgid.
    login = po.find("Log in")
    assert login is None or login.msgstr == "Kirjaudu sisään"


def test_english_catalogue_is_english():
    po = catalogue("en")
    finnish = [
        entry.msgid
        for entry in po
        if any(re.search("[äöÄÖ]", text) for text in translations(entry))
    ]
    assert finnish == []
    assert po.find("yhteydenotto/").msgstr == "contact/"
    assert po.find("palvelut/<slug:slug>/").msgstr == "services/<slug:slug>/"


def test_catalogues_hold_every_string_of_the_code(tmp_path, settings):
    """A string added to the code without `make messages-update` would show in Finnish on the
    English site. Extract the strings afresh from a copy of the source and compare."""
    if shutil.which("xgettext") is None:
        if IN_CI:
            pytest.fail("CI needs gettext's xgettext")
        pytest.skip("needs gettext (xgettext) to extract the strings")
    skipped_dirs = {*IGNORE, ".git", "locale", "__pycache__"}

    def sources_only(directory, names):
        # Only what makemessages reads, from where `make messages-update` reads it.
        return [
            name
            for name in names
            if name in skipped_dirs
            or (Path(directory, name).is_file() and not name.endswith((".py", ".html", ".txt")))
        ]

    source = tmp_path / "source"
    shutil.copytree(settings.BASE_DIR, source, ignore=sources_only)
    settings.LOCALE_PATHS = [source / "locale"]
    (source / "locale").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(source)
        call_command(
            "makemessages", locale=["en"], no_location=True, ignore_patterns=IGNORE, verbosity=0
        )
    extracted = polib.pofile(str(source / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert extracted.find("Siirry sisältöön") is not None
    committed = {(e.msgctxt, e.msgid, e.msgid_plural) for e in catalogue("en") if not e.obsolete}
    missing = [e.msgid for e in extracted if (e.msgctxt, e.msgid, e.msgid_plural) not in committed]
    assert missing == [], "new strings: run make messages-update and translate them"
