import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aventuria.settings")

django_application = get_wsgi_application()

# Pages the same for every visitor are answered from their shared copy before Django handles
# the request (aventuria.shared_pages); everything else goes to Django.
from aventuria.shared_pages import SharedPages  # noqa: E402 (needs the apps loaded above)

application = SharedPages(django_application)
