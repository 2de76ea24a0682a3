"""Settings for the Aventuria site, read from the environment (see README and .env.example).

Safe defaults: debug is off unless DJANGO_DEBUG=1, and without debug a secret key must be given.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    # Only a local development server ever runs with this key.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it must come before it.
    "modeltranslation",
    "aventuria.apps.AventuriaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "reversion",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "aventuria",
    "services",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aventuria.middleware.CSPMiddleware",  # django-csp's, with the policy built once
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After SessionMiddleware; LocaleMiddleware reads the language from the URL prefix only,
    # so content pages stay free of cookies and of Vary: Cookie.
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, for the 400 page's language; before anything reads the body.
    "aventuria.middleware.UnreadableBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aventuria.middleware.DatabaseUnavailableMiddleware",
    # Last, so that a locked-out login never reaches the view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aventuria.urls"
WSGI_APPLICATION = "aventuria.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "services.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests, but check them first: a restarted database must not
# turn the next request into an error page. Not SQLite's: opening its file costs next to
# nothing, and a connection kept from while the file was read-only or replaced would go on
# failing (or writing to the replaced file) for up to a minute after the file is back.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DJANGO_CONN_MAX_AGE",
    default=0 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 60,
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite takes one writer at a time. Without these, a write that meets another fails at once
    # with "database is locked", even after the mail server accepted the emails it records.
    # IMMEDIATE: a transaction takes the write lock when it begins, not halfway through, so it
    # waits its turn (up to `timeout` seconds) instead of failing; every write path, booking's
    # too, is serialised this way. WAL: readers never wait for the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared copies of the content need one cache that every process reading content shares
# (web workers, the email worker, every server): Redis with CACHE_URL (compose runs one), a file
# cache on one server otherwise. The site works without it (aventuria.cache).
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default="filecache://" + env.str("DJANGO_CACHE_DIR", default=str(BASE_DIR / ".cache")),
    )
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "aventuria.redis_cache.RedisCache"
    # A Redis that does not answer must not hold a visitor's request for long.
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Finnish first. Adding Swedish is a matter of a line here and locale/sv (docs/translations.md).
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("suomi")), ("en", _("englanti"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Times typed as an hour alone ("8"): Django's formats otherwise, see aventuria/formats/.
FORMAT_MODULE_PATH = ["aventuria.formats"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "fi"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fi",)
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Without debug, settings that have no safe default stop the start, as a missing secret key
# does: a forgotten site address would point every canonical link, the sitemap and the admin
# link in Henna's emails at 127.0.0.1, and a forgotten mail server would lose every email.
if not DEBUG:
    for name in ("DJANGO_SITE_URL", "EMAIL_URL"):
        if not env.str(name, default=""):
            raise ImproperlyConfigured(f"{name} is required when DJANGO_DEBUG is off.")
    if not env.str("DJANGO_SITE_URL").startswith(("https://", "http://")):
        raise ImproperlyConfigured("DJANGO_SITE_URL must start with https://.")

# Email: console output while debugging, SMTP in production from EMAIL_URL.
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A hanging mail server must not hold a visitor's request: sending is retried later anyway.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=5)
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Aventuria <noreply@aventuria.fi>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public address of the site: canonical links, the sitemap, the admin link in Henna's
# emails. The default is for development only (see above).
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"
ADMIN_2FA = env.bool("DJANGO_ADMIN_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Aventuria"

# Inquiries: spam protection and rate limiting (docs/emails.md).
INQUIRY_RATE_LIMIT = env.str("DJANGO_INQUIRY_RATE_LIMIT", default="5/h")
INQUIRY_MIN_FILL_SECONDS = env.int("DJANGO_INQUIRY_MIN_FILL_SECONDS", default=3)
INQUIRY_FORM_MAX_AGE_HOURS = env.int("DJANGO_INQUIRY_FORM_MAX_AGE_HOURS", default=24)
# On: `manage.py send_notifications --watch` runs beside the site (compose's notifications
# service) and sends the inquiry emails, so a submission only stores them. Off: the web process
# sends them right after the commit, and `make run` needs nothing more.
INQUIRY_EMAIL_WORKER = env.bool("DJANGO_EMAIL_WORKER", default=False)

# Booking: the client's reminder email goes out this many hours before the meeting.
MEETING_REMINDER_HOURS = env.int("DJANGO_MEETING_REMINDER_HOURS", default=24)

# Henna's own calendar (bookings.calendar.busy): read every few minutes by the email worker, or by
# `manage.py sync_busy_calendar` from cron. The timeout and size limit keep a slow or hostile
# server from holding the worker; 0 minutes: the worker leaves it to cron.
BUSY_CALENDAR_SYNC_MINUTES = env.int("DJANGO_BUSY_CALENDAR_SYNC_MINUTES", default=5)
BUSY_CALENDAR_TIMEOUT = env.float("DJANGO_BUSY_CALENDAR_TIMEOUT", default=10)
BUSY_CALENDAR_MAX_BYTES = env.int("DJANGO_BUSY_CALENDAR_MAX_BYTES", default=5_000_000)
# Only the tests' local calendar server needs this: in production an address on a private or
# loopback network would let anyone with admin access probe the server's own network.
BUSY_CALENDAR_ALLOW_PRIVATE = env.bool("DJANGO_BUSY_CALENDAR_ALLOW_PRIVATE", default=False)

# Retention of inquiries, in months (privacy notice states these).
RETENTION_MONTHS_NO_CLIENT = env.int("DJANGO_RETENTION_MONTHS", default=12)
RETENTION_MONTHS_AFTER_CLIENT = env.int("DJANGO_RETENTION_MONTHS_AFTER_CLIENT", default=24)
# Caught spam is mostly bots, but a false positive is a person: kept only long enough to rescue.
RETENTION_DAYS_SPAM = env.int("DJANGO_RETENTION_DAYS_SPAM", default=30)
# django-axes' records of admin logins (address, username, browser): long enough to look into
# an attack, not kept forever. Expired sessions go with the same daily purge.
RETENTION_DAYS_LOGIN_ATTEMPTS = env.int("DJANGO_RETENTION_DAYS_LOGIN_ATTEMPTS", default=30)
# Versions of the content (Henna's history to compare and restore) older than this go with
# `manage.py purge_content_history`. They hold content only, never a visitor's data.
CONTENT_HISTORY_DAYS = env.int("DJANGO_CONTENT_HISTORY_DAYS", default=730)

# Security headers. The proxy header is trusted only when told: otherwise anyone could fake it.
SECURE_PROXY = env.bool("DJANGO_SECURE_PROXY", default=False)
if SECURE_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "aventuria.views.csrf_failure"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

# django-axes: lock a username from one address after 5 failures, and the username itself after
# 20 from any addresses within the hour (aventuria.axes_handler); the address comes from the
# proxy's header only when we trust the proxy (django-ipware is not installed, so axes asks us).
# A locked-out user gets back in with `manage.py axes_reset_username <name>` (docs/deploying.md,
# ohje.md).
AXES_FAILURE_LIMIT = 5
ADMIN_USERNAME_FAILURE_LIMIT = 20
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "aventuria.axes_handler.UsernameAndAddressLockout"
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "aventuria.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "password"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "aventuria.logging.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {"no_personal_data": {"()": "aventuria.logging.NoRequestDetailsFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["no_personal_data"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # Its debug records print the whole template context, form values typed by a visitor
        # included: never below INFO, even when "django" is turned up to debug a problem.
        "django.template": {"level": "INFO"},
        # Axes logs usernames and addresses; only warnings (lockouts) are kept, without them.
        "axes": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}
