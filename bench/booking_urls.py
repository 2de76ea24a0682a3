"""The site's addresses and a plain Django view at /plain/: one query and a template of one
line, the floor the booking page is compared with: bench/booking in one process and served
(bench/booking_wsgi.py)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from aventuria.urls import urlpatterns as site_urlpatterns
from services.models import Practice

TEMPLATE = "<!doctype html><title>{{ p.name }}</title><p>{{ p.email }}</p>"


def plain(request):
    practice = Practice.objects.filter(pk=1).first()
    return HttpResponse(engines["django"].from_string(TEMPLATE).render({"p": practice}, request))


urlpatterns = [path("plain/", plain), *site_urlpatterns]
