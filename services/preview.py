"""Preview before publishing: the change form's "Esikatsele" buttons render the public page from
the posted form, in Finnish or English, without publishing anything.

The admin's own save runs as usual (validation, inlines, the same code that will publish), inside
a transaction that is then rolled back: the rows, the admin log, the version and the content
version's bump (an on-commit hook) all go with it. The page is rendered inside that transaction
with the site's cache bypassed, so the preview neither reads the published copies nor leaves its
own behind; the public site and its cache change only when Henna saves.
"""

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from aventuria.cache import bypassed

from .models import Page, Practice, Service

PREVIEW = "_preview"


class _Previewed(Exception):
    """Carries the rendered preview out of the transaction, which it rolls back."""

    def __init__(self, response):
        self.response = response


def preview_page(obj) -> tuple[str, dict] | None:
    """The public template and context showing `obj`, read afresh from the database."""
    if isinstance(obj, Service):
        service = Service.objects.with_content().get(pk=obj.pk)
        return "services/service_detail.html", {"service": service, "is_home": service.is_main}
    if isinstance(obj, Page) and obj.key == Page.Key.ACCESSIBILITY:
        return "services/page.html", {"page": Page.objects.get(pk=obj.pk)}
    if isinstance(obj, Practice):  # The contact details show in every page's header and footer.
        service = Service.objects.with_content().filter(is_main=True).first()
        if service is not None:
            return "services/service_detail.html", {"service": service, "is_home": True}
    return None


class PreviewAdmin:
    """For a content ModelAdmin; put it before VersionAdmin so that the version the admin's save
    would record is rolled back too."""

    change_form_template = "admin/services/change_form_preview.html"

    def _preview_language(self, request) -> str | None:
        if request.method != "POST":
            return None
        language = request.POST.get(PREVIEW)
        return language if language in dict(settings.LANGUAGES) else None

    def _previewed(self, request, view):
        try:
            with bypassed(), transaction.atomic():
                response = view()
        except _Previewed as previewed:
            return previewed.response
        return response  # The form again with its errors: nothing was saved.

    def add_view(self, request, form_url="", extra_context=None):
        if self._preview_language(request) is None:
            return super().add_view(request, form_url, extra_context)
        return self._previewed(
            request, lambda: super(PreviewAdmin, self).add_view(request, form_url, extra_context)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._preview_language(request) is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return self._previewed(
            request,
            lambda: super(PreviewAdmin, self).change_view(
                request, object_id, form_url, extra_context
            ),
        )

    # An earlier version or a deleted page, opened from the history, can be previewed before it
    # is restored: django-reversion's own transaction is rolled back with ours.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if self._preview_language(request) is None:
            return super().revision_view(request, object_id, version_id, extra_context)
        return self._previewed(
            request,
            lambda: super(PreviewAdmin, self).revision_view(
                request, object_id, version_id, extra_context
            ),
        )

    def recover_view(self, request, version_id, extra_context=None):
        if self._preview_language(request) is None:
            return super().recover_view(request, version_id, extra_context)
        return self._previewed(
            request,
            lambda: super(PreviewAdmin, self).recover_view(request, version_id, extra_context),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is None:  # A new page: which one it will be is known once it is filled in.
            context["preview_available"] = self.model is Service
        else:
            context["preview_available"] = preview_page(obj) is not None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        self._raise_preview(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._raise_preview(request, obj)
        return super().response_change(request, obj)

    def _raise_preview(self, request, obj) -> None:
        language = self._preview_language(request)
        if language is None:
            return
        page = preview_page(obj)
        if page is None:
            response = HttpResponse(status=404)
        else:
            template, context = page
            with translation.override(language):
                html = render_to_string(template, {**context, "preview": True}, request=request)
            response = HttpResponse(html)
        response["X-Robots-Tag"] = "noindex"
        raise _Previewed(response)
