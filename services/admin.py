from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from .models import Goal, Method, Page, Practice, PrivacyNotice, Section, Service


@admin.register(Practice)
class PracticeAdmin(TranslationAdmin):
    list_display = ["name", "email", "phone", "business_id"]
    fieldsets = [
        (None, {"fields": ["name", "business_id"]}),
        (
            _("Osoite"),
            {"fields": ["street_address", "district", "postal_code", "city", "area_served"]},
        ),
        (_("Yhteydenotot"), {"fields": ["email", "phone", "reply_time"]}),
    ]

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


class SectionInline(TranslationStackedInline):
    model = Section
    extra = 0


class GoalInline(TranslationTabularInline):
    model = Goal
    extra = 0


class MethodInline(TranslationTabularInline):
    model = Method
    extra = 0


@admin.register(Service)
class ServiceAdmin(TranslationAdmin):
    list_display = ["title", "is_main", "published", "updated_at"]
    list_filter = ["published"]
    prepopulated_fields = {"slug": ["title_fi"]}
    inlines = [SectionInline, GoalInline, MethodInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "is_main", "published", "headline", "lead"]}),
        (_("Tavoitteet ja menetelmät"), {"fields": ["goals_intro", "methods_intro"]}),
        (
            _("Kesto ja rajaukset"),
            {"fields": ["duration_heading", "duration_text", "not_therapy_note"]},
        ),
        (_("Hakukoneet"), {"fields": ["seo_title", "seo_description"]}),
    ]


@admin.register(Page)
class PageAdmin(TranslationAdmin):
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
