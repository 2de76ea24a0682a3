"""The site's URLs plus one view with a bug, to see the 500 page."""

from django.urls import path

from aventuria.urls import handler404, handler500
from aventuria.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("rikki/", broken), *site_urlpatterns]
