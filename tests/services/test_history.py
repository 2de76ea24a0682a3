"""Henna edits content safely: every save is a version she can compare and restore (deleted
sections too), and a preview shows a page before anything is public."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from aventuria.cache import content_version
from services.models import Page, Practice, PrivacyNotice, Section, Service
from tests.services.admin_forms import form_data

pytestmark = pytest.mark.django_db


def change_url(service) -> str:
    return reverse("admin:services_service_change", args=[service.pk])


def save_service(admin_client, service, **changes):
    data = form_data(admin_client.get(change_url(service))) | changes
    response = admin_client.post(change_url(service), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def section_index(admin_client, service, heading_fi: str) -> int:
    data = form_data(admin_client.get(change_url(service)))
    return next(
        int(re.match(r"sections-(\d+)-", key).group(1))
        for key, value in data.items()
        if key.endswith("-heading_fi") and value == heading_fi
    )


@pytest.fixture
def service():
    return Service.objects.get(is_main=True)


def test_only_content_is_versioned_never_a_visitors_data():
    versioned = set(reversion.get_registered_models())
    assert {model._meta.label for model in versioned} == {
        "services.Practice",
        "services.Service",
        "services.Section",
        "services.Goal",
        "services.Method",
        "services.Page",
    }
    assert not versioned & set(apps.get_app_config("bookings").get_models())
    assert PrivacyNotice not in versioned  # It keeps its own numbered versions.


def test_each_save_is_a_version_with_both_languages_and_who_saved_it(
    admin_client, admin_user, service
):
    save_service(admin_client, service, title_fi="Työnohjaus nyt", title_en="Supervision now")
    version = Version.objects.get_for_object(service).first()
    assert version.revision.user == admin_user
    assert version.field_dict["title_fi"] == "Työnohjaus nyt"
    assert version.field_dict["title_en"] == "Supervision now"
    followed = {v.content_type.model for v in version.revision.version_set.all()}
    assert followed == {"service", "section", "goal", "method"}

    save_service(admin_client, service, title_fi="Työnohjaus")
    history = admin_client.get(reverse("admin:services_service_history", args=[service.pk]))
    body = history.content.decode()
    assert "Muokkaaja" in body and admin_user.username in body
    assert body.count('type="radio" name="old"') == 3  # The first version and two saves.
    assert "Vertaa valittuja versioita" in body


def test_compare_shows_two_versions_side_by_side_in_both_languages(admin_client, service):
    old_en = service.title_en
    save_service(admin_client, service, title_fi="Työnohjaus A", title_en="Supervision A")
    save_service(admin_client, service, title_fi="Työnohjaus B", title_en=old_en)
    new, old = Version.objects.get_for_object(service)[:2]
    url = reverse("admin:services_service_compare", args=[service.pk])
    body = admin_client.get(url, {"old": old.pk, "new": new.pk}).content.decode()
    rows = {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r'<tr class="changed">(.*?)</tr>', body, re.S)
    }
    assert any("Työnohjaus A" in row and "Työnohjaus B" in row for row in rows), rows
    assert any("Supervision A" in row and old_en in row for row in rows), rows
    assert body.count('<tr class="changed">') == 2  # Nothing else changed, nothing else shown.
    assert "muuttunut" in body and "Hakukoneotsikko [fi]" not in body
    every_field = admin_client.get(url, {"old": old.pk, "new": new.pk, "kaikki": "1"})
    assert "Hakukoneotsikko [fi]" in every_field.content.decode()


def test_restoring_an_earlier_version_brings_back_a_deleted_section(admin_client, client, service):
    section = service.sections.first()
    heading, heading_en, body_en = section.heading_fi, section.heading_en, section.body_en
    save_service(admin_client, service)  # The version with the section, as Henna found it.
    before_deleting = Version.objects.get_for_object(service).first()
    index = section_index(admin_client, service, heading)
    save_service(admin_client, service, **{f"sections-{index}-DELETE": "on"})
    assert not Section.objects.filter(pk=section.pk).exists()
    assert heading not in client.get("/").content.decode()

    # Henna opens the earlier version from the history, sees the section, and saves it.
    url = reverse("admin:services_service_revision", args=[service.pk, before_deleting.pk])
    shown = admin_client.get(url)
    assert heading in shown.content.decode()
    assert not Section.objects.filter(pk=section.pk).exists()  # Only shown, not yet restored.
    versions = Version.objects.get_for_object(service).count()
    response = admin_client.post(url, form_data(shown))
    assert response.status_code == 302

    restored = Section.objects.get(pk=section.pk)
    assert (restored.heading_fi, restored.heading_en) == (heading, heading_en)
    assert restored.body_en == body_en
    assert heading in client.get("/").content.decode()
    # Restoring is a version of its own, so the deletion can be taken back too.
    assert Version.objects.get_for_object(service).count() == versions + 1
    comment = Version.objects.get_for_object(service).first().revision.get_comment()
    assert comment.startswith("Palautettu versio")


def test_an_earlier_version_can_be_previewed_before_it_is_restored(admin_client, client, service):
    save_service(admin_client, service, headline_fi="Vanha iskulause")
    earlier = Version.objects.get_for_object(service).first()
    save_service(admin_client, service, headline_fi="Uusi iskulause")
    versions = Version.objects.count()
    url = reverse("admin:services_service_revision", args=[service.pk, earlier.pk])
    shown = admin_client.get(url)
    assert 'name="_preview" value="fi"' in shown.content.decode()

    preview = admin_client.post(url, form_data(shown) | {"_preview": "fi"})
    assert preview.status_code == 200
    assert "Vanha iskulause" in preview.content.decode()
    assert "Esikatselu" in preview.content.decode()
    assert Service.objects.get(pk=service.pk).headline_fi == "Uusi iskulause"
    assert Version.objects.count() == versions
    assert "Uusi iskulause" in client.get("/").content.decode()


def test_a_deleted_service_page_can_be_recovered(admin_client, client):
    extra = Service.objects.create(title_fi="Coaching", title_en="Coaching", slug="coaching")
    with reversion.create_revision():
        extra.save()
    extra.delete()
    recover_list = admin_client.get(reverse("admin:services_service_recoverlist"))
    assert "Coaching" in recover_list.content.decode()
    version = Version.objects.get_deleted(Service).get()
    url = reverse("admin:services_service_recover", args=[version.pk])
    response = admin_client.post(url, form_data(admin_client.get(url)))
    assert response.status_code == 302
    assert client.get("/palvelut/coaching/").status_code == 200
    latest = Version.objects.get_for_object_reference(Service, version.object_id).first()
    comment = latest.revision.get_comment()
    assert comment.startswith("Palautettu versio")


def test_preview_shows_the_posted_page_in_both_languages_and_publishes_nothing(
    admin_client, client, service, django_capture_on_commit_callbacks
):
    public_before = client.get("/").content.decode()
    version_before = content_version()
    versions_before, log_before = Version.objects.count(), LogEntry.objects.count()
    data = form_data(admin_client.get(change_url(service)))
    data |= {"headline_fi": "Uusi iskulause", "headline_en": "A new headline"}
    index = section_index(admin_client, service, service.sections.first().heading_fi)
    data[f"sections-{index}-heading_fi"] = "Uusi osio"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        finnish = admin_client.post(change_url(service), data | {"_preview": "fi"})
        english = admin_client.post(change_url(service), data | {"_preview": "en"})
    assert callbacks == []  # Nothing waits for a commit: no content version bump.

    finnish_body, english_body = finnish.content.decode(), english.content.decode()
    assert finnish.status_code == english.status_code == 200
    assert '<html lang="fi"' in finnish_body and "Uusi iskulause" in finnish_body
    assert "Uusi osio" in finnish_body and "Esikatselu" in finnish_body
    assert '<html lang="en"' in english_body and "A new headline" in english_body
    assert "Preview" in english_body
    assert finnish["X-Robots-Tag"] == "noindex"

    service.refresh_from_db()
    assert service.headline_fi != "Uusi iskulause"
    assert not Section.objects.filter(heading_fi="Uusi osio").exists()
    assert (Version.objects.count(), LogEntry.objects.count()) == (versions_before, log_before)
    assert content_version() == version_before
    assert client.get("/").content.decode() == public_before

    # Saving publishes: a new content version, and the page shows the change.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(change_url(service), data)
    assert content_version() != version_before
    public_after = client.get("/").content.decode()
    assert "Uusi iskulause" in public_after and "Uusi osio" in public_after


def test_preview_of_contact_details_never_reaches_the_shared_cache(admin_client, client):
    client.get("/")  # The published details are in the cache now.
    url = reverse("admin:services_practice_change", args=[1])
    data = form_data(admin_client.get(url)) | {"name": "Esikatseltu Oy", "_preview": "fi"}
    preview = admin_client.post(url, data).content.decode()
    assert "Esikatseltu Oy" in preview
    assert "Esikatseltu Oy" not in client.get("/").content.decode()
    assert Practice.load().name != "Esikatseltu Oy"


def test_a_preview_with_errors_shows_the_form_again_and_saves_nothing(admin_client, service):
    data = form_data(admin_client.get(change_url(service))) | {"title_fi": "", "_preview": "fi"}
    response = admin_client.post(change_url(service), data)
    assert response.status_code == 200
    assert "Tämä kenttä vaaditaan" in response.content.decode()
    assert Service.objects.get(pk=service.pk).title_fi


def test_change_form_offers_the_preview_in_both_languages(admin_client, service):
    body = admin_client.get(change_url(service)).content.decode()
    assert 'name="_preview" value="fi"' in body and 'name="_preview" value="en"' in body
    assert "Esikatsele suomeksi" in body and "Esikatsele englanniksi" in body
    page = Page.objects.get(key=Page.Key.THANKS)  # Shown by the inquiry form: no preview.
    body = admin_client.get(reverse("admin:services_page_change", args=[page.pk])).content
    assert b'name="_preview"' not in body


def test_purge_deletes_versions_older_than_the_setting(settings, service):
    settings.CONTENT_HISTORY_DAYS = 730
    with reversion.create_revision():
        service.save()
    old = Revision.objects.latest("pk")
    Revision.objects.filter(pk=old.pk).update(date_created=timezone.now() - timedelta(days=731))
    with reversion.create_revision():
        service.save()
    kept = Revision.objects.count() - 1
    out = StringIO()
    call_command("purge_content_history", stdout=out)
    assert not Revision.objects.filter(pk=old.pk).exists()
    assert not Version.objects.filter(revision_id=old.pk).exists()
    assert Revision.objects.count() == kept
    assert "Deleted 1 " in out.getvalue()


def test_content_loaded_by_the_migrations_has_a_first_version_to_go_back_to(service):
    first = Version.objects.get_for_object(service).last()
    assert first.revision.get_comment() == "Ensimmäinen versio."
    assert first.field_dict["title_fi"] == service.title_fi


def test_privacy_notice_still_saves_a_new_numbered_version(admin_client):
    notice = PrivacyNotice.objects.current()
    url = reverse("admin:services_privacynotice_change", args=[notice.pk])
    data = form_data(admin_client.get(url)) | {"title_fi": "Tietosuojaseloste, päivitetty"}
    assert admin_client.post(url, data).status_code == 302
    assert PrivacyNotice.objects.current().version == notice.version + 1
    assert PrivacyNotice.objects.filter(version=notice.version).exists()


def test_the_accessibility_statement_is_previewed_as_its_public_page(admin_client):
    page = Page.objects.get(key=Page.Key.ACCESSIBILITY)
    url = reverse("admin:services_page_change", args=[page.pk])
    data = form_data(admin_client.get(url)) | {"intro_en": "A new introduction."}
    preview = admin_client.post(url, data | {"_preview": "en"}).content.decode()
    assert "A new introduction." in preview and '<html lang="en"' in preview
    assert Page.objects.get(pk=page.pk).intro_en != "A new introduction."


def test_restoring_old_contact_details_keeps_todays_bank_account(admin_client):
    # Billing's bank details live beside the contact details: an old version brings back the
    # old phone number, never the account that invoices told clients to pay to.
    url = reverse("admin:services_practice_change", args=[1])
    old_phone = Practice.load().phone
    data = form_data(admin_client.get(url)) | {"iban": "FI21 1234 5600 0007 85", "bic": "NDEAFIHH"}
    assert admin_client.post(url, data).status_code == 302
    earlier = Version.objects.get_for_object(Practice.load()).first()
    data = form_data(admin_client.get(url)) | {
        "phone": "040 123 4567",
        "iban": "FI14 1009 3000 1234 58",
        "bic": "OKOYFIHH",
        "vat_registered": "on",
    }
    assert admin_client.post(url, data).status_code == 302

    restore = reverse("admin:services_practice_revision", args=[1, earlier.pk])
    shown = admin_client.get(restore)
    assert 'value="FI1410093000123458"' in shown.content.decode().replace(" ", "")
    assert admin_client.post(restore, form_data(shown)).status_code == 302

    practice = Practice.load()
    assert practice.phone == old_phone
    assert (practice.iban.replace(" ", ""), practice.bic, practice.vat_registered) == (
        "FI1410093000123458",
        "OKOYFIHH",
        True,
    )
