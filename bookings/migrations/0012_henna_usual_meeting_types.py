"""The practice's usual kinds of sessions, ready on a fresh site so that a team series can be
scheduled at once: individual, group and work community supervision, with their usual lengths.
Not bookable on the site (Henna agrees them with the client); she may change or remove them."""

from django.db import migrations

STATE = [("bookings", "0011_billing_payers_invoices")]
USUAL_TYPES = [
    {"name_fi": "Yksilötyönohjaus", "name_en": "Individual supervision", "duration_minutes": 60},
    {"name_fi": "Ryhmätyönohjaus", "name_en": "Group supervision", "duration_minutes": 90},
    {
        "name_fi": "Työyhteisön työnohjaus",
        "name_en": "Work community supervision",
        "duration_minutes": 120,
    },
]


def add_usual_types(apps, schema_editor):
    MeetingType = apps.get_model("bookings", "MeetingType")
    for usual in USUAL_TYPES:
        if not MeetingType.objects.filter(name_fi=usual["name_fi"]).exists():
            MeetingType.objects.create(
                name=usual["name_fi"],
                **usual,
                in_kotka=True,
                remote=True,
                by_phone=False,
                bookable_online=False,
            )


def remove_usual_types(apps, schema_editor):
    MeetingType = apps.get_model("bookings", "MeetingType")
    MeetingType.objects.filter(
        name_fi__in=[usual["name_fi"] for usual in USUAL_TYPES], meetings__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = STATE

    operations = [migrations.RunPython(add_usual_types, remove_usual_types)]
