"""A fresh site offers intro meetings at once: a 30-minute type, bookable on the site, on
default weekly hours (Tuesday to Thursday 9-16). Henna's guide tells her to set her own."""

from datetime import time

from django.db import migrations

STATE = [("bookings", "0004_meetings")]
INTRO = {
    "name": "Tutustumistapaaminen",
    "name_fi": "Tutustumistapaaminen",
    "name_en": "Intro meeting",
}
WEEKDAYS = (1, 2, 3)  # Tuesday, Wednesday, Thursday (date.weekday())
HOURS = (time(9), time(16))


def add_intro_meeting(apps, schema_editor):
    MeetingType = apps.get_model("bookings", "MeetingType")
    WeeklyHours = apps.get_model("bookings", "WeeklyHours")
    if not MeetingType.objects.exists():
        MeetingType.objects.create(
            **INTRO,
            duration_minutes=30,
            in_kotka=True,
            remote=True,
            by_phone=False,
            bookable_online=True,
        )
    if not WeeklyHours.objects.exists():
        WeeklyHours.objects.bulk_create(
            WeeklyHours(weekday=day, start_time=HOURS[0], end_time=HOURS[1]) for day in WEEKDAYS
        )


def remove_intro_meeting(apps, schema_editor):
    MeetingType = apps.get_model("bookings", "MeetingType")
    WeeklyHours = apps.get_model("bookings", "WeeklyHours")
    MeetingType.objects.filter(name_fi=INTRO["name_fi"], meetings__isnull=True).delete()
    WeeklyHours.objects.filter(
        weekday__in=WEEKDAYS, start_time=HOURS[0], end_time=HOURS[1]
    ).delete()


class Migration(migrations.Migration):
    dependencies = STATE

    operations = [migrations.RunPython(add_intro_meeting, remove_intro_meeting)]
