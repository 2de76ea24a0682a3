import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db

content_migration = importlib.import_module("services.migrations.0002_initial_content")


def historical_apps():
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(("services", "0002_initial_content")).apps


def counts(apps):
    return {
        name: apps.get_model("services", name).objects.count()
        for name in ["Practice", "Service", "Section", "Goal", "Method", "Page", "PrivacyNotice"]
    }


def test_content_migration_can_be_reversed_and_applied_again():
    apps = historical_apps()
    loaded = counts(apps)
    assert loaded == {
        "Practice": 1,
        "Service": 1,
        "Section": 1,
        "Goal": 9,
        "Method": 4,
        "Page": 3,
        "PrivacyNotice": 1,
    }
    content_migration.remove_content(apps, None)
    assert set(counts(apps).values()) == {0}
    content_migration.load_content(apps, None)
    assert counts(apps) == loaded


def test_content_migration_is_idempotent():
    apps = historical_apps()
    before = counts(apps)
    content_migration.load_content(apps, None)
    assert counts(apps) == before


def test_content_migration_loads_both_languages():
    apps = historical_apps()
    service = apps.get_model("services", "Service").objects.get(is_main=True)
    assert service.headline_fi == "Työnohjaus tukee työssä jaksamista ja kehittymistä"
    assert service.headline_en.startswith("Work supervision")
