"""A new version of the privacy notice that says how long the admin's login records are kept.

django-axes keeps each admin login attempt's address, username and browser, and sessions stayed
until deleted; both now go with the daily purge (RETENTION_DAYS_LOGIN_ATTEMPTS, expiry). Made
as 0004 made its version: only from the text as it was published, never over Henna's edits.
"""

import importlib

from django.db import migrations, models

STATE = ("services", "0005_privacy_notice_login_records")
previous = importlib.import_module("services.migrations.0004_privacy_notice_spam_and_cookies")

CHANGES = {
    "fi": [
        (
            "päivän kuluttua. Poisto tehdään automaattisesti.",
            "päivän kuluttua. Ylläpidon kirjautumisyritysten tiedot (käyttäjätunnus, IP-osoite "
            "ja selaimen tunniste) poistetaan {retention_days_login} päivän kuluttua ja "
            "ylläpidon istunnot, kun ne vanhenevat. Poisto tehdään automaattisesti.",
        ),
    ],
    "en": [
        (
            "days. Deletion is automatic.",
            "days. Records of admin login attempts (username, IP address and browser) are "
            "deleted after {retention_days_login} days, and admin sessions once they expire. "
            "Deletion is automatic.",
        ),
    ],
}


def add_version(apps, schema_editor):
    previous.add_rewritten_version(apps, CHANGES)


def remove_version(apps, schema_editor):
    previous.remove_version_with(apps, "{retention_days_login}")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_privacy_notice_spam_and_cookies"),
        ("bookings", "0002_privacy_log"),
    ]

    operations = [
        migrations.AlterField(
            model_name="privacynotice",
            name="body",
            field=models.TextField(
                help_text="Kappaleet erotetaan tyhjällä rivillä; rivi, joka alkaa ## , on väliotsikko. {retention_months}, {retention_months_after_client}, {retention_days_spam} ja {retention_days_login} korvautuvat asetusten säilytysajoilla; {practice_name}, {business_id}, {address}, {email} ja {phone} yhteystiedoilla.",
                max_length=20000,
                verbose_name="teksti",
            ),
        ),
        migrations.AlterField(
            model_name="privacynotice",
            name="body_en",
            field=models.TextField(
                help_text="Kappaleet erotetaan tyhjällä rivillä; rivi, joka alkaa ## , on väliotsikko. {retention_months}, {retention_months_after_client}, {retention_days_spam} ja {retention_days_login} korvautuvat asetusten säilytysajoilla; {practice_name}, {business_id}, {address}, {email} ja {phone} yhteystiedoilla.",
                max_length=20000,
                null=True,
                verbose_name="teksti",
            ),
        ),
        migrations.AlterField(
            model_name="privacynotice",
            name="body_fi",
            field=models.TextField(
                help_text="Kappaleet erotetaan tyhjällä rivillä; rivi, joka alkaa ## , on väliotsikko. {retention_months}, {retention_months_after_client}, {retention_days_spam} ja {retention_days_login} korvautuvat asetusten säilytysajoilla; {practice_name}, {business_id}, {address}, {email} ja {phone} yhteystiedoilla.",
                max_length=20000,
                null=True,
                verbose_name="teksti",
            ),
        ),
        migrations.RunPython(add_version, remove_version),
    ]
