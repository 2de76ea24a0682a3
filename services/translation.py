from modeltranslation.translator import TranslationOptions, register

from .models import Goal, Method, Page, Practice, PrivacyNotice, Section, Service


@register(Practice)
class PracticeTranslation(TranslationOptions):
    fields = ("reply_time", "area_served")


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = (
        "title",
        "headline",
        "lead",
        "goals_intro",
        "duration_heading",
        "duration_text",
        "not_therapy_note",
        "methods_intro",
        "seo_title",
        "seo_description",
    )


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("heading", "body")


@register(Goal)
class GoalTranslation(TranslationOptions):
    fields = ("text",)


@register(Method)
class MethodTranslation(TranslationOptions):
    fields = ("text",)


@register(Page)
class PageTranslation(TranslationOptions):
    fields = ("title", "intro", "body", "seo_title", "seo_description")


@register(PrivacyNotice)
class PrivacyNoticeTranslation(TranslationOptions):
    fields = ("title", "body", "seo_description")
