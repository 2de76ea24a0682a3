import io
import logging
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests import hypothesis_profiles  # noqa: F401 - loads the profile (HYPOTHESIS_PROFILE)

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The shared Redis that tests with several processes use; .ci/run starts one there.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_missing() -> str:
    """Why the Redis tests cannot run here, or "" when they can."""
    import redis

    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"no Redis answers at {TEST_REDIS_URL} ({type(exc).__name__})"
    return ""


def pytest_itemcollected(item):
    """A browser test checks pages, not the database: CI runs it in one leg only (`once`).
    Marked as it is collected, before `-m "not once"` deselects."""
    if "browser" in item.keywords:
        item.add_marker(pytest.mark.once)


# trylast: after `-m "not postgres"` has deselected what a run leaves out.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser, PostgreSQL and Redis tests may skip on a developer's machine, never in CI."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    no_redis = redis_missing() if any("redis" in item.keywords for item in items) else ""
    for item in items:
        if "redis" in item.keywords and no_redis:
            if IN_CI:
                raise pytest.UsageError(f"CI needs Redis for {item.nodeid}: {no_redis}")
            item.add_marker(pytest.mark.skip(reason=no_redis))
        if "browser" in item.keywords and not Path(CHROMIUM).exists():
            if IN_CI:
                raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} for {item.nodeid}")
            item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}"))
        if "postgres" in item.keywords and not on_postgres:
            if IN_CI:
                # CI deselects these in its SQLite run (-m "not postgres"); reaching here is a bug.
                raise pytest.UsageError(f"CI must run {item.nodeid} on PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://..."))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        start_long_files_first(items)


def start_long_files_first(items) -> None:
    """pytest-xdist (`make test`: --dist loadfile --no-loadscope-reorder) hands the workers whole
    files in the order of the items. Files marked `long(seconds=N)` go first, longest first
    (Lighthouse alone takes half a minute), so that they run beside the rest instead of after
    it; then the files with most tests, as xdist itself would order them."""
    tests_in = Counter(item.path for item in items)
    seconds = {}
    for item in items:
        if marker := item.get_closest_marker("long"):
            seconds[item.path] = marker.kwargs["seconds"]
    items.sort(key=lambda item: (-seconds.get(item.path, 0), -tests_in[item.path]))


@pytest.fixture(autouse=True)
def _default_language():
    # A request under /en/ leaves English active in this thread, so the next test's reverse()
    # would build /en/ addresses: every test starts in Finnish, as a request to / does.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rendered pages live in a file cache that outlives each test's rolled-back database.
    cache.clear()
    yield
    cache.clear()


class HttpsClient(Client):
    """A test client that speaks HTTPS, as every visitor does in production."""

    def generic(self, *args, secure=True, **kwargs):
        return super().generic(*args, secure=True, **kwargs)


@pytest.fixture
def client():
    return HttpsClient()


def verified_client(user) -> HttpsClient:
    """A client logged in as the user with a confirmed TOTP device, as production requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    client = HttpsClient()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(admin_user):
    return verified_client(admin_user)


@pytest.fixture
def log_output():
    """What the project's stdout log handler writes, with its own filter and formatter."""
    handler = logging.getLogger("django").handlers[0]
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    yield stream
    handler.setStream(old_stream)


@pytest.fixture
def content_file() -> Path:
    return Path(__file__).resolve().parent.parent / "docs" / "content" / "tyonohjaus-fi.txt"


def pytest_sessionfinish(session, exitstatus):
    cache_dir = os.environ.get("DJANGO_CACHE_DIR", "")
    if "aventuria-test-cache-" in cache_dir:
        shutil.rmtree(cache_dir, ignore_errors=True)


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def load_site_content() -> None:
    """The launch content, with the data migrations' own functions (they are idempotent)."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    loader = MigrationExecutor(connection).loader
    for app, name, function in (
        ("services", "0002_initial_content", "load_content"),
        ("services", "0004_privacy_notice_spam_and_cookies", "add_version"),
        ("services", "0005_privacy_notice_login_records", "add_version"),
        ("bookings", "0005_intro_meeting", "add_intro_meeting"),
        ("services", "0006_privacy_notice_booking", "add_version"),
        ("services", "0007_billing_practice_bank_account", "add_version"),
        ("bookings", "0012_henna_usual_meeting_types", "add_usual_types"),
    ):
        migration = importlib.import_module(f"{app}.migrations.{name}")
        getattr(migration, function)(loader.project_state(migration.STATE).apps, None)
    # As every migrate leaves it: the content's first version in its history.
    from services.history import record_initial_versions

    record_initial_versions()


@pytest.fixture
def site_content(transactional_db):
    """The launch content, for tests that commit for real.

    Such tests (marked django_db(transaction=True)) empty the database when they end, so each
    one puts the content back first.
    """
    load_site_content()


def commits_for_real(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transaction = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return bool(transaction) or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A test that commits for real empties the database when it ends (its fixtures' teardown,
    just done). Run alone, pytest-django orders such tests last; with pytest-xdist a worker runs
    whole files in turn, so a later test would find no content: put it back, committed."""
    result = yield
    if commits_for_real(item) and nextitem is not None:
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection, transaction
        from pytest_django.plugin import blocking_manager_key

        # Numbered from 1 again, as after migrate: tests post the content's ids (goals 1, 4).
        tables = [
            model._meta.db_table
            for app in ("services", "bookings")
            for model in apps.get_app_config(app).get_models(include_auto_created=True)
        ]
        with item.config.stash[blocking_manager_key].unblock(), transaction.atomic():
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(
                    no_style(), tables, reset_sequences=True, allow_cascade=True
                )
            )
            load_site_content()
    return result


@pytest.fixture
def live_site(site_content, settings):
    """The site on a live server over plain HTTP (loopback), otherwise production settings.

    Started per test, after the settings change: middleware reads its settings at start-up.
    """
    from pytest_django.live_server_helper import LiveServer

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    server = LiveServer("127.0.0.1:0", start=False)
    # Static files through WhiteNoise, compressed and hashed as in production: Django's own
    # live-server handler looks them up unhashed and answers 404, leaving pages unstyled.
    server.thread.static_handler = lambda app: app
    server.start()
    settings.SITE_URL = server.url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database calls
    # are still synchronous, so Django's guard against async-unsafe calls does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    # Django's connections are per context, and starting Playwright switches to a new context:
    # without this, later transactional tests get a fresh connection that lacks the serialized
    # data to restore, and find the database empty.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _meetings_written_by_their_module_only(monkeypatch):
    """Every meeting row a test's requests, commands and calls write is written by
    bookings/scheduling/meetings.py (tests may set up rows themselves). The static check in
    tests/test_architecture.py reads the source; this one watches the writes as they happen."""
    import sys

    from bookings.models import Meeting, MeetingQuerySet

    root = Path(__file__).resolve().parent.parent
    writer = root / "bookings" / "scheduling" / "meetings.py"
    models = root / "bookings" / "models"
    tests = root / "tests"
    venv = root / ".venv"
    strays = []

    def check(what: str) -> None:
        frame = sys._getframe(2)
        while frame is not None:
            path = Path(frame.f_code.co_filename)
            if path.is_relative_to(root) and not path.is_relative_to(venv):
                if path == writer or path.is_relative_to(tests):
                    return
                if not path.is_relative_to(models):
                    strays.append(f"{what} from {path.relative_to(root)}:{frame.f_lineno}")
                    return
            frame = frame.f_back

    def guard(cls, name):
        original = getattr(cls, name)

        def guarded(self, *args, **kwargs):
            check(f"Meeting {name}")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, guarded)

    for name in ("save", "delete"):
        guard(Meeting, name)
    for name in ("update", "bulk_create", "bulk_update", "delete"):
        guard(MeetingQuerySet, name)
    yield
    assert strays == [], "meeting rows written outside bookings/scheduling/meetings.py"
