from django.conf import settings

from .content import cached_practice


def site(request):
    return {"practice": cached_practice(), "admin_url": settings.ADMIN_URL}
