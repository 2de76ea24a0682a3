"""Henna's history in the content admin: every save is a version (django-reversion's
VersionAdmin: history, restore, recover deleted), and two versions compared side by side."""

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Revision, Version

from .history import compare


class ContentHistoryAdmin(VersionAdmin):
    history_latest_first = True
    # Fields that are not content: restoring a version keeps their values of today.
    kept_on_restore: tuple[str, ...] = ()

    def get_urls(self):
        opts = self.model._meta
        compare_url = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name=f"{opts.app_label}_{opts.model_name}_compare",
        )
        return [compare_url, *super().get_urls()]

    # django-reversion has no Finnish catalogue, and ours cannot carry its English msgids (the
    # Finnish catalogue repeats its sources), so the words it shows Henna are given here.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        version = get_object_or_404(Version, pk=version_id, object_id=unquote(object_id))
        title = _("Aiempi versio: %(name)s") % {"name": version.object_repr}
        if self.kept_on_restore:
            # django-reversion writes the version into the database, then shows (GET) or saves
            # (POST) the change form: changeform_view puts these back in between.
            request.kept_on_restore = (
                self.model._default_manager.filter(pk=unquote(object_id))
                .values(*self.kept_on_restore)
                .first()
            )
        response = super().revision_view(
            request, object_id, version_id, {"title": title} | (extra_context or {})
        )
        self._comment_restored(request, response, version)
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        kept = getattr(request, "kept_on_restore", None)
        if kept:
            self.model._default_manager.filter(pk=unquote(object_id)).update(**kept)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _comment_restored(self, request, response, version) -> None:
        """The history says in Finnish which version a restore brought back."""
        if request.method == "POST" and response.status_code == 302:
            restored = Version.objects.get_for_object_reference(self.model, version.object_id)
            when = localize(template_localtime(version.revision.date_created))
            Revision.objects.filter(pk=restored.values("revision")[:1]).update(
                comment=_("Palautettu versio %(datetime)s.") % {"datetime": when}
            )

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(Version, pk=version_id)
        title = _("Palauta poistettu: %(name)s") % {"name": version.object_repr}
        response = super().recover_view(
            request, version_id, {"title": title} | (extra_context or {})
        )
        self._comment_restored(request, response, version)
        return response

    def recoverlist_view(self, request, extra_context=None):
        title = _("Palauta poistettu: %(name)s") % {"name": self.model._meta.verbose_name}
        return super().recoverlist_view(request, {"title": title} | (extra_context or {}))

    def history_view(self, request, object_id, extra_context=None):
        opts = self.model._meta
        context = {
            "compare_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_compare",
                args=[quote(unquote(object_id))],
            )
        }
        response = super().history_view(request, object_id, context | (extra_context or {}))
        for action in response.context_data.get("action_list", []):
            # The version each row opens, for choosing two to compare.
            action["version_id"] = int(resolve(action["url"]).args[-1])
        return response

    def compare_view(self, request, object_id):
        """?old=<version>&new=<version>; without them the two latest versions. Only what changed,
        unless ?kaikki=1."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = Version.objects.get_for_object(obj).select_related("revision__user")
        chosen = [request.GET.get(name) for name in ("old", "new")]
        if all(value and value.isdigit() for value in chosen):
            old, new = (get_object_or_404(versions, pk=int(value)) for value in chosen)
        else:
            latest = list(versions[:2])
            if len(latest) < 2:
                raise Http404
            new, old = latest
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Vertailu: %(name)s") % {"name": obj},
            "opts": opts,
            "original": obj,
            "old": old,
            "new": new,
            "groups": compare(old, new),
            "show_all": request.GET.get("kaikki") == "1",
            "history_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
                args=[quote(obj.pk)],
            ),
            "restore_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                args=[quote(obj.pk), old.pk],
            ),
        }
        return TemplateResponse(request, "admin/services/compare.html", context)
