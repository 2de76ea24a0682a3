"""The yardstick of issue 7's targets: "a plain Django page rendering one row costs about
3.6 ms here". A page of Django as startproject makes it (its middleware, sessions, auth,
messages, a template) that reads one row, served by the same gunicorn from the same database.

Run as reference_site:application (bench/ on the Python path) with DATABASE_URL and
DJANGO_SECRET_KEY set. REFERENCE_CONN_MAX_AGE is startproject's 0 (a new database connection
per request) unless set; bench/http measures it both ways.
"""

import os

import django
import environ
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import path

database = environ.Env.db_url_config(os.environ["DATABASE_URL"])
database["CONN_MAX_AGE"] = int(os.environ.get("REFERENCE_CONN_MAX_AGE", "0"))

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["DJANGO_SECRET_KEY"],
    ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1").split(","),
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": False,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ],
    DATABASES={"default": database},
    USE_TZ=True,
)
django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402 (after setup)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ row.app_label }}</title></head>
<body><main><h1>{{ row.app_label }}</h1><p>{{ row.model }} ({{ row.pk }})</p></main></body>
</html>"""


TEMPLATE = engines["django"].from_string(PAGE)


def one_row(request):
    row = ContentType.objects.order_by("pk").first()
    return HttpResponse(TEMPLATE.render({"row": row}, request))


urlpatterns = [path("", one_row)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
