from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View

from aventuria.shared_pages import shared_page

from .content import cached_practice
from .models import Page, PrivacyNotice, Service


@method_decorator(shared_page, name="dispatch")
class ContentView(View):
    """A page made only of content, the same for every visitor: aventuria.shared_pages shares
    it until Henna next saves something."""

    template_name: str

    def get_context_data(self) -> dict:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return TemplateResponse(request, self.template_name, self.get_context_data())


class HomeView(ContentView):
    template_name = "services/service_detail.html"

    def get_context_data(self):
        service = Service.objects.published().with_content().filter(is_main=True).first()
        if service is None:
            raise Http404
        return {"service": service, "is_home": True}


class ServiceDetailView(ContentView):
    template_name = "services/service_detail.html"

    def get_context_data(self):
        service = get_object_or_404(
            Service.objects.published().with_content().filter(is_main=False),
            slug=self.kwargs["slug"],
        )
        return {"service": service}


class PrivacyNoticeView(ContentView):
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
                "phone": practice.phone_display,
            }
        return {"notice": notice, "placeholders": placeholders}


class AccessibilityView(ContentView):
    template_name = "services/page.html"

    def get_context_data(self):
        return {"page": get_object_or_404(Page, key=Page.Key.ACCESSIBILITY)}
