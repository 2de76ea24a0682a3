"""A new version of the privacy notice for booking: what a booking stores, the calendar
invitation and the reminder the client gets by email, and how long a booking is kept.

Like 0004, it only rewrites the sentences as they stand in the previous version; a notice Henna
has edited meanwhile is left alone (the guide asks her to add the same there).
"""

import importlib

from django.db import migrations

STATE = ("services", "0006_privacy_notice_booking")
previous = importlib.import_module("services.migrations.0004_privacy_notice_spam_and_cookies")

CHANGES = {
    "fi": [
        (
            "Älä kirjoita viestiin terveydentilaasi tai muita arkaluonteisia tietoja.",
            "Kun varaat ajan sivustolla, tallennamme lisäksi tapaamisen ajan ja paikan, "
            "harkitsemasi työnohjauksen muodon, lyhyen viestisi ja tapaamisen muutokset "
            "(varaus, siirto, peruutus). Älä kirjoita viestiin terveydentilaasi tai muita "
            "arkaluonteisia tietoja.",
        ),
        (
            "(vahvistusviesti sinulle ja ilmoitus uudesta yhteydenotosta).",
            "(vahvistusviesti sinulle ja ilmoitus uudesta yhteydenotosta; ajanvarauksesta "
            "lisäksi kalenterikutsu, sen muutokset ja peruutus sekä muistutus ennen "
            "tapaamista).",
        ),
        (
            "Poisto tehdään automaattisesti.",
            "Ajanvaraus säilytetään ja poistetaan yhteydenoton mukana, ja säilytysaika lasketaan "
            "aikaisintaan tapaamisesta. Poisto tehdään automaattisesti.",
        ),
        (
            "Vain yhteydenottolomake asettaa teknisesti välttämättömän evästeen (csrftoken), "
            "joka suojaa lomaketta väärinkäytöltä.",
            "Vain yhteydenotto- ja ajanvarauslomake asettavat teknisesti välttämättömän "
            "evästeen (csrftoken), joka suojaa lomakkeita väärinkäytöltä.",
        ),
    ],
    "en": [
        (
            "Please do not write about your health or other sensitive matters in the message.",
            "When you book a time on the site, we also store the meeting's time and place, the "
            "kind of supervision you are considering, your short message and the meeting's "
            "changes (booked, moved, cancelled). Please do not write about your health or other "
            "sensitive matters in the message.",
        ),
        (
            "(your confirmation and the notice of a new inquiry).",
            "(your confirmation and the notice of a new inquiry; for a booking also the "
            "calendar invitation, its updates and cancellation, and a reminder before the "
            "meeting).",
        ),
        (
            "Deletion is automatic.",
            "A booking is kept and deleted with its inquiry, and the period counts from the "
            "meeting at the earliest. Deletion is automatic.",
        ),
        (
            "Only the inquiry form sets a strictly necessary cookie (csrftoken) that protects "
            "the form from misuse.",
            "Only the inquiry and booking forms set a strictly necessary cookie (csrftoken) "
            "that protects the forms from misuse.",
        ),
    ],
}


def add_version(apps, schema_editor):
    previous.add_rewritten_version(apps, CHANGES)


def remove_version(apps, schema_editor):
    previous.remove_version_with(apps, "kalenterikutsu")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0005_privacy_notice_login_records"),
        ("bookings", "0005_intro_meeting"),
    ]

    operations = [migrations.RunPython(add_version, remove_version)]
