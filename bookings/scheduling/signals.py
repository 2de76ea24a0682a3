"""The booking rules are part of the content (aventuria.cache): Henna's changes to meeting
types, hours and exceptions give the content a new version once they commit, so every process
sees them at once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from aventuria.cache import content_changed

from ..models import AvailabilityException, MeetingType, WeeklyHours

RULE_MODELS = (MeetingType, WeeklyHours, AvailabilityException)


@receiver([post_save, post_delete])
def rule_changed(sender, **kwargs):
    if sender in RULE_MODELS:
        content_changed()
