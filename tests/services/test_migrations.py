import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db

content_migration = importlib.import_module("services.migrations.0002_initial_content")
notice_migration = importlib.import_module(
    "services.migrations.0004_privacy_notice_spam_and_cookies"
)
login_notice_migration = importlib.import_module(
    "services.migrations.0005_privacy_notice_login_records"
)
invoicing_notice_migration = importlib.import_module(
    "services.migrations.0007_billing_practice_bank_account"
)
booking_notice_migration = importlib.import_module(
    "services.migrations.0006_privacy_notice_booking"
)


def historical_apps(state=content_migration.STATE):
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(state).apps


def counts(apps):
    return {
        name: apps.get_model("services", name).objects.count()
        for name in ["Practice", "Service", "Section", "Goal", "Method", "Page", "PrivacyNotice"]
    }


def test_content_migrations_can_be_reversed_and_applied_again():
    apps = historical_apps()
    notice_apps = historical_apps(notice_migration.STATE)
    login_apps = historical_apps(login_notice_migration.STATE)
    booking_apps = historical_apps(booking_notice_migration.STATE)
    invoicing_apps = historical_apps(invoicing_notice_migration.STATE)
    loaded = counts(apps)
    assert loaded == {
        "Practice": 1,
        "Service": 1,
        "Section": 1,
        "Goal": 9,
        "Method": 4,
        "Page": 3,
        # The launch notice, its version naming every period and cookie, the one naming the
        # login records' retention, the one for booking and the one for invoices.
        "PrivacyNotice": 5,
    }
    invoicing_notice_migration.remove_version(invoicing_apps, None)
    booking_notice_migration.remove_version(booking_apps, None)
    login_notice_migration.remove_version(login_apps, None)
    notice_migration.remove_version(notice_apps, None)
    content_migration.remove_content(apps, None)
    assert set(counts(apps).values()) == {0}
    content_migration.load_content(apps, None)
    notice_migration.add_version(notice_apps, None)
    login_notice_migration.add_version(login_apps, None)
    booking_notice_migration.add_version(booking_apps, None)
    invoicing_notice_migration.add_version(invoicing_apps, None)
    assert counts(apps) == loaded


def test_the_notice_migration_makes_one_new_version_and_only_of_the_launch_text():
    apps = historical_apps(notice_migration.STATE)
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    PrivacyNotice.objects.filter(version__gt=2).delete()  # 0005's and 0006's, tested below
    assert list(PrivacyNotice.objects.order_by("version").values_list("version", flat=True)) == [
        1,
        2,
    ]
    current = PrivacyNotice.objects.get(version=2)
    assert current.body_fi.count("{retention_days_spam} päivän kuluttua") == 1
    assert current.body_en.count("after {retention_days_spam} days") == 1
    assert "(messages)" in current.body_fi and "(messages)" in current.body_en
    # Everything else is the launch text.
    launch = PrivacyNotice.objects.get(version=1)
    assert current.title_fi == launch.title_fi and current.title_en == launch.title_en
    assert current.body_fi.startswith(launch.body_fi.split("## Säilytysaika")[0])

    notice_migration.add_version(apps, None)  # Again: already done, nothing new.
    assert PrivacyNotice.objects.count() == 2

    # A notice Henna has rewritten is hers: the migration leaves it alone.
    PrivacyNotice.objects.create(version=3, title="Oma", body="Oma teksti", body_fi="Oma teksti")
    notice_migration.add_version(apps, None)
    assert PrivacyNotice.objects.count() == 3


def test_the_booking_notice_names_the_invitation_and_the_reminder_once():
    apps = historical_apps(booking_notice_migration.STATE)
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    current = PrivacyNotice.objects.get(version=4)
    assert current.body_fi.count("kalenterikutsu") == 1
    assert current.body_fi.count("muistutus ennen tapaamista") == 1
    assert "calendar invitation" in current.body_en and "a reminder before" in current.body_en
    assert "{retention_days_spam}" in current.body_fi  # 0004's change is kept
    assert "{retention_days_login}" in current.body_fi  # and 0005's
    assert "{retention_days_login}" in current.body_en
    versions = PrivacyNotice.objects.count()
    booking_notice_migration.add_version(apps, None)
    assert PrivacyNotice.objects.count() == versions


def test_the_invoicing_notice_says_invoices_are_kept_six_years_once():
    apps = historical_apps(invoicing_notice_migration.STATE)
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    current = PrivacyNotice.objects.get(version=5)
    assert current.body_fi.count("kirjanpitolaki 2:10 §") == 1
    assert "Accounting Act 2:10" in current.body_en
    assert current.body_fi.count("kalenterikutsu") == 1  # 0006's change is kept
    invoicing_notice_migration.add_version(apps, None)
    assert PrivacyNotice.objects.count() == 5


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


def test_the_login_records_notice_names_their_retention_and_the_sessions():
    apps = historical_apps(login_notice_migration.STATE)
    PrivacyNotice = apps.get_model("services", "PrivacyNotice")
    PrivacyNotice.objects.filter(version__gt=3).delete()  # 0006's, tested above
    current = PrivacyNotice.objects.get(version=3)
    assert "poistetaan {retention_days_login} päivän kuluttua ja ylläpidon istunnot" in (
        current.body_fi
    )
    assert "deleted after {retention_days_login} days, and admin sessions" in current.body_en
    previous = PrivacyNotice.objects.get(version=2)
    assert (
        current.body_fi.split("## Säilytysaika")[0] == previous.body_fi.split("## Säilytysaika")[0]
    )
    login_notice_migration.add_version(apps, None)  # Again: already done, nothing new.
    assert PrivacyNotice.objects.count() == 3
