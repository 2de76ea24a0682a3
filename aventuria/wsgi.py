import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aventuria.settings")

django_application = get_wsgi_application()

# Content pages already in the shared cache are answered before Django handles the request
# (services.middleware); everything else goes to Django.
from services.middleware import SharedPagesApp  # noqa: E402 (needs the apps loaded above)

application = SharedPagesApp(django_application)
