"""A new version of the privacy notice that names every retention period and every cookie.

The launch notice left out how long caught spam is kept (RETENTION_DAYS_SPAM) and the admin's
`messages` cookie. Like an edit in the admin, this makes a new version; inquiries keep the
version they accepted. It only rewrites the sentences as launched: a notice Henna has already
edited is left alone.
"""

from django.db import migrations

STATE = ("services", "0004_privacy_notice_spam_and_cookies")

CHANGES = {
    "fi": [
        (
            "Poisto tehdään automaattisesti.",
            "Roskapostiksi tunnistetut yhteydenotot poistetaan jo {retention_days_spam} päivän "
            "kuluttua. Poisto tehdään automaattisesti.",
        ),
        (
            "Ylläpidon kirjautuminen käyttää istuntoevästettä (sessionid), joka koskee vain "
            "ylläpitäjää.",
            "Ylläpidon kirjautuminen käyttää istuntoevästettä (sessionid) ja "
            "ilmoitusevästettä (messages), jotka koskevat vain ylläpitäjää.",
        ),
    ],
    "en": [
        (
            "Deletion is automatic.",
            "Inquiries identified as spam are deleted after {retention_days_spam} days. "
            "Deletion is automatic.",
        ),
        (
            "The admin login uses a session cookie (sessionid) that concerns the site's "
            "administrator only.",
            "The admin login uses a session cookie (sessionid) and a cookie for its notices "
            "(messages) that concern the site's administrator only.",
        ),
    ],
}


def rewritten(text: str, changes: list[tuple[str, str]]) -> str | None:
    """The text with every change made, or None when it is not the launch text (edited, or
    already changed)."""
    for old, new in changes:
        if new in text or text.count(old) != 1:
            return None
        text = text.replace(old, new)
    return text


def add_version(apps, schema_editor, changes_by_language=CHANGES):
    """A new version with the changes made, unless the current one is not the text they fit."""
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    current = PrivacyNotice.objects.order_by("-version").first()
    if current is None:
        return
    bodies = {
        language: rewritten(getattr(current, f"body_{language}") or "", changes)
        for language, changes in changes_by_language.items()
    }
    if None in bodies.values():
        return
    PrivacyNotice.objects.create(
        version=current.version + 1,
        title=current.title,
        title_fi=current.title_fi,
        title_en=current.title_en,
        body=bodies["fi"],
        body_fi=bodies["fi"],
        body_en=bodies["en"],
        seo_description=current.seo_description,
        seo_description_fi=current.seo_description_fi,
        seo_description_en=current.seo_description_en,
    )


def remove_version(apps, schema_editor):
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    current = PrivacyNotice.objects.order_by("-version").first()
    if current is not None and current.body_fi and "{retention_days_spam}" in current.body_fi:
        Inquiry = apps.get_model("bookings", "Inquiry")
        if not Inquiry.objects.filter(privacy_notice=current).exists():
            current.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0003_privacy_notice_help_text"),
        ("bookings", "0002_privacy_log"),
    ]

    operations = [migrations.RunPython(add_version, remove_version)]
