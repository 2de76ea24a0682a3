from modeltranslation.translator import TranslationOptions, register

from .models import MeetingType


@register(MeetingType)
class MeetingTypeTranslation(TranslationOptions):
    fields = ("name",)
