"""Cache invalidation for the booking rules (the one job done with signals here, as in
services.signals): Henna's changes to meeting types, hours and exceptions show at once."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .availability import rules_changed
from .models import AvailabilityException, MeetingType, WeeklyHours

RULE_MODELS = (MeetingType, WeeklyHours, AvailabilityException)


@receiver([post_save, post_delete])
def rule_changed(sender, **kwargs):
    if sender in RULE_MODELS:
        # After the commit: a page read in between must not cache the old rules as new.
        transaction.on_commit(partial(rules_changed), robust=True)


@receiver(post_migrate)
def migrated(sender, **kwargs):
    rules_changed()
