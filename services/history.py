"""The content's history with django-reversion: which models keep versions, and how.

Registered here, once modeltranslation has added the _fi and _en columns: a model registered as
it is defined would be serialised without them (django-reversion #684). The untranslated column
behind each translated field (`title` beside `title_fi` and `title_en`) only mirrors the active
language, so it is left out: a version restored while the admin speaks English must not write
one language's text over the other's.

Only content is registered, never a model of bookings: versions hold nothing a visitor or a
client sent, so they need no retention of their own beyond DJANGO_CONTENT_HISTORY_DAYS. The
privacy notice keeps its own numbered versions (each inquiry records the one accepted).
"""

from datetime import timedelta

import reversion
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from modeltranslation.translator import translator
from reversion.models import Revision, Version

from .models import Goal, Method, Page, Practice, Section, Service

# A service page is one unit: its sections, goals and methods are saved, compared and restored
# with it, so restoring a page brings back a section deleted since.
FOLLOWED = {Service: ("sections", "goals", "methods")}
VERSIONED = (Practice, Service, Section, Goal, Method, Page)


def untranslated_fields(model) -> tuple[str, ...]:
    if model not in translator.get_registered_models():
        return ()
    return tuple(translator.get_options_for_model(model).fields)


def register_content() -> None:
    for model in VERSIONED:
        if not reversion.is_registered(model):
            reversion.register(
                model, exclude=untranslated_fields(model), follow=FOLLOWED.get(model, ())
            )


def record_initial_versions(*, using: str = "default", **kwargs) -> None:
    """A first version of the content that has none (the data migrations load it without
    history), so that what Henna found before her first save can be restored too. After every
    migrate; content that has a version already is left as it is."""
    connection = connections[using]
    if Revision._meta.db_table not in connection.introspection.table_names():
        return  # Migrated back to before django-reversion's tables.
    call_command(
        "createinitialrevisions",
        "services",
        comment=gettext("Ensimmäinen versio."),
        using=using,
        model_db=using,
        verbosity=0,
    )


def purge_history(*, days: int) -> int:
    """Delete the versions saved more than `days` days ago; returns how many revisions went."""
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        old = Revision.objects.filter(date_created__lt=cutoff)
        count = old.count()
        old.delete()
    return count


def _shown(field, value) -> str:
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("kyllä") if value else gettext("ei")
    return str(value)


def _compared_fields(model) -> list:
    """What Henna edits: the _fi and _en columns, not the id, the parent page or a timestamp."""
    skipped = set(untranslated_fields(model))
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and not field.is_relation
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
        and field.name not in skipped
    ]


def _versions_of_unit(version: Version) -> dict:
    """The versions saved together with `version`: the object and the ones it follows."""
    model = version._model
    models_of_unit = {
        model,
        *(model._meta.get_field(name).related_model for name in FOLLOWED.get(model, ())),
    }
    return {
        (other._model, other.object_id): other
        for other in version.revision.version_set.select_related("content_type")
        if other._model in models_of_unit
    }


def compare(old: Version, new: Version) -> list[dict]:
    """Two versions of one object side by side, field by field and both languages: a group for
    the object itself (every field) and one for each followed row (a section, a goal, a method)
    that was added, removed or changed between them."""
    before, after = _versions_of_unit(old), _versions_of_unit(new)
    main = (new._model, new.object_id)
    followed = sorted(
        (key for key in before.keys() | after.keys() if key != main),
        key=lambda key: (FOLLOWED_ORDER.get(key[0], 99), _order(before, after, key)),
    )
    keys = [main, *followed]
    groups = []
    for key in keys:
        model = key[0]
        was, now = before.get(key), after.get(key)
        old_values = was.field_dict if was else {}
        new_values = now.field_dict if now else {}
        rows = []
        for field in _compared_fields(model):
            left = _shown(field, old_values.get(field.attname))
            right = _shown(field, new_values.get(field.attname))
            rows.append(
                {
                    "label": capfirst(field.verbose_name),
                    "old": left if was else "",
                    "new": right if now else "",
                    "changed": left != right or was is None or now is None,
                }
            )
        if was is None:
            status = gettext("lisätty")
        elif now is None:
            status = gettext("poistettu")
        elif any(row["changed"] for row in rows):
            status = gettext("muuttunut")
        else:
            status = ""
        if key != main and not status:
            continue
        groups.append(
            {
                "title": f"{capfirst(model._meta.verbose_name)}: {(now or was).object_repr}",
                "status": status,
                "rows": rows,
            }
        )
    return groups


FOLLOWED_ORDER = {Section: 1, Goal: 2, Method: 3}


def _order(before: dict, after: dict, key) -> tuple:
    version = after.get(key) or before[key]
    return (version.field_dict.get("order") or 0, int(version.object_id))


register_content()
