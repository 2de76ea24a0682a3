"""Cache invalidation, the one job done with signals here: content changes come from the admin,
from data migrations and from the shell, and each of them must show on the site at once."""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from .content import bump_content_version
from .models import Goal, Method, Page, Practice, PrivacyNotice, Section, Service

CONTENT_MODELS = (Practice, Service, Section, Goal, Method, Page, PrivacyNotice)


@receiver([post_save, post_delete])
def content_changed(sender, **kwargs):
    if sender in CONTENT_MODELS:
        bump_content_version()


@receiver(m2m_changed)
def content_relation_changed(sender, instance, **kwargs):
    if isinstance(instance, CONTENT_MODELS):
        bump_content_version()


@receiver(post_migrate)
def migrated(sender, **kwargs):
    # Data migrations save through historical models, which the receivers above do not see.
    bump_content_version()
