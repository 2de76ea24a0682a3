from django.contrib import admin, messages
from django.forms import ModelChoiceField
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from . import history  # noqa: F401  Registers the content's versions before the admins below.
from .history_admin import ContentHistoryAdmin
from .models import Goal, Method, Page, Practice, PrivacyNotice, Section, Service
from .preview import PreviewAdmin


@admin.register(Practice)
class PracticeAdmin(PreviewAdmin, ContentHistoryAdmin, TranslationAdmin):
    list_display = ["name", "email", "phone", "business_id"]
    fieldsets = [
        (None, {"fields": ["name", "business_id"]}),
        (
            _("Osoite"),
            {"fields": ["street_address", "district", "postal_code", "city", "area_served"]},
        ),
        (_("Yhteydenotot"), {"fields": ["email", "phone", "reply_time"]}),
        (_("Laskutus"), {"fields": ["iban", "bic", "vat_registered"]}),
    ]
    # An old version of the contact details never brings back an old bank account.
    kept_on_restore = ("iban", "bic", "vat_registered")

    def has_add_permission(self, request):
        return not Practice.objects.exists()

    def changelist_view(self, request, extra_context=None):
        # One record: straight to its form, not a list of one ("Valitse muokattava ...").
        practice = Practice.objects.order_by("pk").first()
        if practice is not None and self.has_view_or_change_permission(request, practice):
            return redirect(reverse("admin:services_practice_change", args=[practice.pk]))
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


MOVE = "_move"  # the POST key of the up and down buttons: "<model>-<pk>-up" or "-down"


class KnownRowField(ModelChoiceField):
    """An inline row's id, found among the rows its formset read (`rows`, by pk as text);
    an id that is not among them is looked up as Django does."""

    def __init__(self, *args, rows: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows

    def to_python(self, value):
        if value not in self.empty_values and str(value) in self.rows:
            return self.rows[str(value)]
        return super().to_python(value)


class RowsReadOnceFormSet(BaseInlineFormSet):
    """Each posted row's id is looked up among the rows the formset read already, where Django
    asks the database once per row (14 queries on the home page's save)."""

    @cached_property
    def rows_by_pk(self) -> dict:
        return {str(row.pk): row for row in self.get_queryset()}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        field = form.fields.get(name)
        if type(field) is ModelChoiceField:
            form.fields[name] = KnownRowField(
                field.queryset,
                rows=self.rows_by_pk,
                initial=field.initial,
                required=False,
                widget=field.widget,
            )


class OrderedInlineMixin:
    """Goals, methods and sections in their order: each row has buttons to move it up or down
    (plain submit buttons, no JavaScript) and says when its English text is missing."""

    english_fields: tuple[str, ...] = ("text",)
    formset = RowsReadOnceFormSet

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "move", "english"]

    @admin.display(description=_("siirrä"))
    def move(self, item):
        if item.pk is None:
            return _("Uusi tulee viimeiseksi.")
        name, label = item._meta.model_name, str(item)[:60]
        return format_html(
            '<button type="submit" name="{0}" value="{1}-{2}-up" class="button move-button"'
            ' aria-label="{3}">↑</button> '
            '<button type="submit" name="{0}" value="{1}-{2}-down" class="button move-button"'
            ' aria-label="{4}">↓</button>',
            MOVE,
            name,
            item.pk,
            _("Siirrä ylöspäin: %(item)s") % {"item": label},
            _("Siirrä alaspäin: %(item)s") % {"item": label},
        )

    @admin.display(description=_("englanniksi"))
    def english(self, item):
        if item.pk is None or all(getattr(item, f"{f}_en") for f in self.english_fields):
            return "✓"
        return format_html(
            '<strong class="english-missing">{}</strong>',
            _("Englanti puuttuu: englanninkielisellä sivulla näkyy suomi."),
        )


class SectionInline(OrderedInlineMixin, TranslationStackedInline):
    model = Section
    extra = 0
    english_fields = ("heading", "body")


class GoalInline(OrderedInlineMixin, TranslationTabularInline):
    model = Goal
    extra = 0


class MethodInline(OrderedInlineMixin, TranslationTabularInline):
    model = Method
    extra = 0


ORDERED = {model._meta.model_name: model for model in (Section, Goal, Method)}


def move_item(service: Service, value: str) -> bool:
    """Move a goal, method or section of the service one place up or down: the service's items
    of that kind are numbered again 1, 2, 3... in their new order."""
    try:
        name, pk, direction = value.rsplit("-", 2)
        model, pk = ORDERED[name], int(pk)
    except (KeyError, ValueError):
        return False
    items = list(model.objects.filter(service=service).order_by("order", "pk"))
    index = next((i for i, item in enumerate(items) if item.pk == pk), None)
    other = None if index is None else index + (-1 if direction == "up" else 1)
    if other is None or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for number, item in enumerate(items, start=1):
        item.order = number
    model.objects.bulk_update(items, ["order"])
    return True


@admin.register(Service)
class ServiceAdmin(PreviewAdmin, ContentHistoryAdmin, TranslationAdmin):
    list_display = ["title", "is_main", "published", "updated_at"]
    list_filter = ["published"]
    prepopulated_fields = {"slug": ["title_fi"]}
    inlines = [SectionInline, GoalInline, MethodInline]
    # Save first in the page: Enter in a text field presses the first button of the form,
    # which must not be a row's "move up".
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "is_main", "published", "headline", "lead"]}),
        (_("Tavoitteet ja menetelmät"), {"fields": ["goals_intro", "methods_intro"]}),
        (
            _("Kesto ja rajaukset"),
            {"fields": ["duration_heading", "duration_text", "not_therapy_note"]},
        ),
        (_("Hakukoneet"), {"fields": ["seo_title", "seo_description"]}),
    ]

    def save_formset(self, request, form, formset, change):
        """A new goal, method or section left at order 0 goes last, where it was added."""
        model = formset.model
        if model in ORDERED.values():
            last = max(
                (item.order for item in model.objects.filter(service=form.instance)), default=0
            )
            for item_form in formset.extra_forms:
                if item_form.has_changed() and not item_form.cleaned_data.get("order"):
                    last += 1
                    item_form.instance.order = last
        super().save_formset(request, form, formset, change)

    def response_change(self, request, obj):
        if MOVE in request.POST:
            if move_item(obj, request.POST[MOVE]):
                self.message_user(request, _("Järjestys muutettu."), messages.SUCCESS)
            return redirect(request.path)
        return super().response_change(request, obj)


@admin.register(Page)
class PageAdmin(PreviewAdmin, ContentHistoryAdmin, TranslationAdmin):
    list_display = ["title", "key", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(TranslationAdmin):
    list_display = ["title", "version", "published_at"]
    readonly_fields = ["version", "published_at"]

    def save_model(self, request, obj, form, change):
        # A change never overwrites a version that clients have accepted: it becomes a new one.
        latest = PrivacyNotice.objects.order_by("-version").values_list("version", flat=True)
        obj.pk = None
        obj._state.adding = True
        obj.version = (latest.first() or 0) + 1
        super().save_model(request, obj, form, change=False)

    def has_delete_permission(self, request, obj=None):
        return False
