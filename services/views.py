from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.views import View

from .content import cached_page_key, cached_practice
from .models import Page, PrivacyNotice, Service


class CachedContentView(View):
    """A page made only of content: rendered once per content version and language.

    Such pages hold no form and no per-visitor data, so the whole HTML can be shared by every
    visitor until Henna next saves something (see services.content).
    """

    template_name: str

    def cache_name(self) -> str:
        return self.request.path

    def get_context_data(self) -> dict:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        key = cached_page_key(self.cache_name(), get_language())
        html = cache.get(key)
        if html is None:
            response = TemplateResponse(request, self.template_name, self.get_context_data())
            html = response.rendered_content
            cache.set(key, html, timeout=None)
        response = HttpResponse(html)
        # The same for every visitor: services.middleware may serve copies of it.
        response.shared_content = True
        return response


class HomeView(CachedContentView):
    template_name = "services/service_detail.html"

    def get_context_data(self):
        service = Service.objects.published().with_content().filter(is_main=True).first()
        if service is None:
            raise Http404
        return {"service": service, "is_home": True}


class ServiceDetailView(CachedContentView):
    template_name = "services/service_detail.html"

    def get_context_data(self):
        service = get_object_or_404(
            Service.objects.published().with_content().filter(is_main=False),
            slug=self.kwargs["slug"],
        )
        return {"service": service}


class PrivacyNoticeView(CachedContentView):
    template_name = "services/privacy_notice.html"

    def get_context_data(self):
        notice = PrivacyNotice.objects.current()
        if notice is None:
            raise Http404
        practice = cached_practice()
        placeholders = {
            "retention_months": settings.RETENTION_MONTHS_NO_CLIENT,
            "retention_months_after_client": settings.RETENTION_MONTHS_AFTER_CLIENT,
            "retention_days_spam": settings.RETENTION_DAYS_SPAM,
            "retention_days_login": settings.RETENTION_DAYS_LOGIN_ATTEMPTS,
        }
        if practice is not None:
            placeholders |= {
                "practice_name": practice.name,
                "business_id": practice.business_id,
                "address": practice.postal_address,
                "email": practice.email,
                "phone": practice.phone,
            }
        return {"notice": notice, "placeholders": placeholders}


class AccessibilityView(CachedContentView):
    template_name = "services/page.html"

    def get_context_data(self):
        return {"page": get_object_or_404(Page, key=Page.Key.ACCESSIBILITY)}
