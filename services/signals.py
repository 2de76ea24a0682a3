"""Cache invalidation, the one job done with signals here: content changes come from the admin,
from the shell and from data migrations, and each must show on the site once it is committed."""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver

from aventuria.cache import content_changed

from .models import Goal, Method, Page, Practice, PrivacyNotice, Section, Service

CONTENT_MODELS = (Practice, Service, Section, Goal, Method, Page, PrivacyNotice)


@receiver([post_save, post_delete, m2m_changed])
def content_saved(sender, instance, **kwargs):
    if isinstance(instance, CONTENT_MODELS):
        content_changed()


@receiver(post_migrate)
def migrated(sender, **kwargs):
    # Data migrations save through historical models, which the receiver above does not see;
    # and a release may change the templates the copies were rendered with.
    content_changed()
