"""Privacy by design: the versioned notice, the retention purge, and a person's access, export
and erasure requests in the admin.

Meetings are personal data of their inquiry: access, export, erasure and the retention purge
cover them, and the privacy notice names the invitation and the reminder."""

import json
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from aventuria.cache import bump_content_version
from bookings.inquiries import privacy, services
from bookings.models import (
    Inquiry,
    InquiryNote,
    Meeting,
    MeetingChange,
    Notification,
    PrivacyLog,
    StatusChange,
)
from bookings.scheduling import meetings
from services.models import PrivacyNotice
from tests.bookings.booking_helpers import booked
from tests.bookings.conftest import post_inquiry

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2027, 6, 15, 12, 0, tzinfo=HELSINKI)
PRIVACY_URL = "/admin/bookings/inquiry/tietosuojapyynto/"  # reversed in the link test


def make_inquiry(
    *, email="liisa@example.fi", name="Liisa Testinen", phone="050 111 2233", statuses=(), **fields
):
    inquiry, _created = services.submit_inquiry(
        submission_id=uuid.uuid4(),
        kind=Inquiry.Kind.INDIVIDUAL,
        name=name,
        email=email,
        phone=phone,
        # Unique, or submit_inquiry takes it for the same inquiry sent twice.
        message=f"Viesti henkilöltä {name} ({uuid.uuid4().hex[:6]})",
    )
    for status in statuses:
        services.change_status(inquiry=inquiry, status=status)
    if fields:
        Inquiry.objects.filter(pk=inquiry.pk).update(**fields)
    return inquiry


def backdate(inquiry, moment, *, note_at=None):
    """Make every timestamp of the inquiry and its history `moment`, as if untouched since."""
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=moment, updated_at=moment)
    StatusChange.objects.filter(inquiry=inquiry).update(changed_at=moment)
    if note_at is not None:
        note = InquiryNote.objects.create(inquiry=inquiry, text="Soitin takaisin.")
        InquiryNote.objects.filter(pk=note.pk).update(created_at=note_at)


def months_before(moment, months):
    return privacy.add_months(moment, -months)


@pytest.fixture
def retention(settings):
    settings.RETENTION_MONTHS_NO_CLIENT = 12
    settings.RETENTION_MONTHS_AFTER_CLIENT = 24
    settings.RETENTION_DAYS_SPAM = 30
    return settings


@pytest.fixture
def scenario(retention):
    """Inquiries on both sides of each retention rule, relative to NOW."""
    closed, client, spam = Inquiry.Status.CLOSED, Inquiry.Status.CLIENT, Inquiry.Status.SPAM
    contacted = Inquiry.Status.CONTACTED
    due, kept = {}, {}

    due["closed 13 months ago"] = make_inquiry(statuses=[closed])
    backdate(due["closed 13 months ago"], months_before(NOW, 13))
    kept["closed 11 months ago"] = make_inquiry(statuses=[closed])
    backdate(kept["closed 11 months ago"], months_before(NOW, 11))
    due["new, untouched for 13 months"] = make_inquiry()
    backdate(due["new, untouched for 13 months"], months_before(NOW, 13))
    kept["old, but a note 2 months ago"] = make_inquiry(statuses=[closed])
    backdate(
        kept["old, but a note 2 months ago"],
        months_before(NOW, 20),
        note_at=months_before(NOW, 2),
    )
    kept["client for 5 years, still a client"] = make_inquiry(statuses=[client])
    backdate(kept["client for 5 years, still a client"], months_before(NOW, 60))
    due["client ended 25 months ago"] = make_inquiry(statuses=[client, closed])
    backdate(due["client ended 25 months ago"], months_before(NOW, 40))
    Inquiry.objects.filter(pk=due["client ended 25 months ago"].pk).update(
        client_ended_at=months_before(NOW, 25)
    )
    kept["client ended 23 months ago"] = make_inquiry(statuses=[client, closed])
    backdate(kept["client ended 23 months ago"], months_before(NOW, 40))
    Inquiry.objects.filter(pk=kept["client ended 23 months ago"].pk).update(
        client_ended_at=months_before(NOW, 23)
    )
    kept["client again after it ended"] = make_inquiry(statuses=[client, closed, client])
    backdate(kept["client again after it ended"], months_before(NOW, 40))
    Inquiry.objects.filter(pk=kept["client again after it ended"].pk).update(
        client_ended_at=months_before(NOW, 30)
    )
    # Moved on from "client" without being closed: no end date, so the last touch counts.
    due["left client status 25 months ago"] = make_inquiry(statuses=[client, contacted])
    backdate(due["left client status 25 months ago"], months_before(NOW, 25))
    kept["left client status 23 months ago"] = make_inquiry(statuses=[client, contacted])
    backdate(kept["left client status 23 months ago"], months_before(NOW, 23))
    due["spam 31 days ago"] = make_inquiry(statuses=[spam])
    backdate(due["spam 31 days ago"], NOW - timedelta(days=31))
    kept["spam 29 days ago"] = make_inquiry(statuses=[spam])
    backdate(kept["spam 29 days ago"], NOW - timedelta(days=29))
    return due, kept


def test_purge_deletes_exactly_the_inquiries_whose_time_has_come(scenario):
    due, kept = scenario
    removed = privacy.purge_due_inquiries(now=NOW)

    assert {item.pk for item in removed} == {inquiry.pk for inquiry in due.values()}
    assert set(Inquiry.objects.values_list("pk", flat=True)) == {i.pk for i in kept.values()}
    # Their notes, history and email records went with them.
    due_ids = [inquiry.pk for inquiry in due.values()]
    assert not StatusChange.objects.filter(inquiry_id__in=due_ids).exists()
    assert not Notification.objects.filter(inquiry_id__in=due_ids).exists()
    assert InquiryNote.objects.count() == 1  # the kept inquiry's note
    entry = PrivacyLog.objects.get()
    assert entry.action == PrivacyLog.Action.PURGE
    assert entry.rows > len(due)


def test_purge_dry_run_lists_without_personal_data_and_deletes_nothing(scenario, capsys, settings):
    due, _kept = scenario
    before = {model: model.objects.count() for model in (Inquiry, StatusChange, Notification)}

    listed = privacy.purge_due_inquiries(now=NOW, dry_run=True)

    assert {item.pk for item in listed} == {inquiry.pk for inquiry in due.values()}
    assert {model: model.objects.count() for model in before} == before
    assert not PrivacyLog.objects.exists()


def test_purge_command_dry_run_prints_references_dates_and_rules_only(retention, capsys):
    inquiry = make_inquiry(
        email="dry.run@example.fi", name="Kuivaharjoitus Henkilö", statuses=["closed"]
    )
    backdate(inquiry, timezone.now() - timedelta(days=400))

    call_command("purge_inquiries", "--dry-run")

    out = capsys.readouterr().out
    assert f"{inquiry.pk}\t{inquiry.reference}\t" in out
    assert "no_client" in out
    assert "1 inquiries would be deleted." in out
    for secret in ("dry.run@example.fi", "Kuivaharjoitus", "050 111 2233", "Viesti"):
        assert secret not in out
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()

    call_command("purge_inquiries")
    assert "1 inquiries deleted." in capsys.readouterr().out
    assert not Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_the_admin_shows_the_date_the_purge_acts_on(scenario, admin_client):
    due, kept = scenario
    for inquiry in [*due.values(), *kept.values()]:
        retention = privacy.deletion_due(Inquiry.objects.get(pk=inquiry.pk))
        body = admin_client.get(inquiry.get_admin_url()).content.decode()
        if retention.due_at is None:
            assert "ei poisteta, kun asiakkuus jatkuu" in body
            continue
        shown = f"{timezone.localtime(retention.due_at):%-d.%-m.%Y} ({retention.reason.label})"
        assert shown in body
        # One second before that moment the purge keeps it, at that moment it deletes it.
        assert inquiry.pk not in {
            i.pk
            for i in privacy.purge_due_inquiries(
                now=retention.due_at - timedelta(seconds=1), dry_run=True
            )
        }
        assert inquiry.pk in {
            i.pk for i in privacy.purge_due_inquiries(now=retention.due_at, dry_run=True)
        }


def test_the_changelist_has_a_deletion_date_column(retention, admin_client):
    inquiry = make_inquiry()
    backdate(inquiry, datetime(2026, 1, 31, 10, 0, tzinfo=HELSINKI))
    body = admin_client.get("/admin/bookings/inquiry/?status=all").content.decode()
    assert "Poistetaan" in body
    # Twelve months after 31 January 2026.
    assert "31.1.2027 (ei asiakkuutta)" in body


def test_month_arithmetic_keeps_the_local_date():
    assert privacy.add_months(datetime(2026, 1, 31, 23, 30, tzinfo=HELSINKI), 1) == datetime(
        2026, 2, 28, 23, 30, tzinfo=HELSINKI
    )
    assert privacy.add_months(datetime(2026, 3, 15, 9, 0, tzinfo=HELSINKI), -15) == datetime(
        2024, 12, 15, 9, 0, tzinfo=HELSINKI
    )


# The privacy notice: versions and the periods in force.


def notice_form_data(notice, **changes) -> dict:
    data = {
        f"{field}_{language}": getattr(notice, f"{field}_{language}") or ""
        for field in ("title", "body", "seo_description")
        for language in ("fi", "en")
    }
    data.update(changes)
    return data


def test_an_admin_edit_makes_a_new_version_that_new_inquiries_accept(
    client, admin_client, filled_form, django_capture_on_commit_callbacks
):
    first = PrivacyNotice.objects.current()
    version = first.version
    post_inquiry(client, filled_form(email="ensimmainen@example.fi"))

    url = reverse("admin:services_privacynotice_change", args=[first.pk])
    body = first.body_fi + "\n\n## Uusi kappale\n\nLisätty tieto."
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, notice_form_data(first, body_fi=body))
    assert response.status_code == 302

    second = PrivacyNotice.objects.current()
    assert second.version == version + 1
    assert PrivacyNotice.objects.get(version=version).body_fi == first.body_fi
    page = client.get("/tietosuoja/").content.decode()
    assert (
        f"Versio {version + 1}, päivitetty {timezone.localtime(second.published_at):%-d.%-m.%Y}"
        in page
    )
    assert "Lisätty tieto." in page

    post_inquiry(client, filled_form(email="toinen@example.fi"))
    assert Inquiry.objects.get(email="ensimmainen@example.fi").privacy_notice.version == version
    assert Inquiry.objects.get(email="toinen@example.fi").privacy_notice.version == version + 1


def test_the_notice_states_the_retention_periods_in_force(client, settings):
    settings.RETENTION_MONTHS_NO_CLIENT = 7
    settings.RETENTION_MONTHS_AFTER_CLIENT = 37
    settings.RETENTION_DAYS_SPAM = 45
    bump_content_version()
    page = client.get("/tietosuoja/").content.decode()
    assert "poistetaan 7 kuukauden kuluttua" in page
    assert "poistetaan 37 kuukauden kuluttua asiakkuuden päättymisestä" in page
    assert "Roskapostiksi tunnistetut yhteydenotot poistetaan jo 45 päivän kuluttua" in page
    with translation.override("en"):
        english_url = reverse("services:privacy")
    english = client.get(english_url).content.decode()
    assert "deleted 7 months after" in english
    assert "deleted 37 months after the relationship ends" in english
    assert "identified as spam are deleted after 45 days" in english
    assert "{" not in page and "{" not in english  # No placeholder left unfilled.


def test_the_notice_lists_the_cookies(client):
    page = client.get("/tietosuoja/").content.decode()
    # The only cookie a visitor gets, then the two the admin sets for Henna.
    for cookie in ("csrftoken", "sessionid", "messages"):
        assert f"({cookie})" in page


# Access, export and erasure requests.


@pytest.fixture
def person(retention):
    """Liisa's two inquiries with a note and history, and someone else's."""
    first = make_inquiry(email="Liisa@Example.fi", statuses=["contacted", "closed"])
    InquiryNote.objects.create(inquiry=first, text="Liisa soitti, palaa syksyllä.")
    second = make_inquiry(email="liisa@example.fi")
    other = make_inquiry(email="matti@example.fi", name="Matti Muu", phone="040 999 8877")
    return first, second, other


def test_the_changelist_links_to_the_privacy_request_page(admin_client):
    assert reverse("admin:bookings_inquiry_privacy") == PRIVACY_URL
    body = admin_client.get("/admin/bookings/inquiry/").content.decode()
    assert f'href="{PRIVACY_URL}"' in body
    page = admin_client.get(PRIVACY_URL).content.decode()
    assert 'name="email"' in page


def test_access_shows_everything_held_about_the_address_and_is_logged(person, admin_client):
    first, second, _other = person
    response = admin_client.post(PRIVACY_URL, {"email": "LIISA@example.fi", "step": "find"})
    body = response.content.decode()

    assert response.status_code == 200
    assert "on tallennettu 2 yhteydenottoa" in body
    for inquiry in (first, second):
        assert inquiry.reference in body
    assert "Liisa soitti, palaa syksyllä." in body
    assert "Viesti henkilöltä Liisa Testinen" in body
    assert "Matti" not in body
    entry = PrivacyLog.objects.get()
    assert entry.action == PrivacyLog.Action.ACCESS
    assert entry.username == "admin"
    # Two inquiries, one note, four status changes, four email records.
    assert entry.rows == 2 + 1 + 4 + 4
    assert entry.email_hash == privacy.email_hash("liisa@example.fi")
    assert "liisa" not in entry.email_hash


def test_export_holds_every_field_of_every_row_of_the_person(person, admin_client):
    first, second, _other = person
    response = admin_client.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "export"})

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "liisa" not in response["Content-Disposition"]
    data = json.loads(response.content)
    exported = {item["reference"]: item for item in data["inquiries"]}
    assert set(exported) == {first.reference, second.reference}

    related = {
        "notes": InquiryNote,
        "status_changes": StatusChange,
        "notifications": Notification,
    }
    for inquiry in (first, second):
        item = exported[inquiry.reference]
        inquiry.refresh_from_db()
        for field in Inquiry._meta.concrete_fields:
            assert field.name in item, field.name
        assert item["name"] == "Liisa Testinen"
        assert item["phone"] == "050 111 2233"
        assert item["message"] == inquiry.message.replace("\r\n", "\n")
        assert item["message"].startswith("Viesti henkilöltä Liisa Testinen")
        assert item["status"] == inquiry.status
        for key, model in related.items():
            rows = list(model.objects.filter(inquiry=inquiry).order_by("pk"))
            assert len(item[key]) == len(rows)
            for row, exported_row in zip(rows, item[key], strict=True):
                assert set(exported_row) == {f.name for f in model._meta.concrete_fields}
                assert exported_row["id"] == row.pk
    assert exported[first.reference]["notes"][0]["text"] == "Liisa soitti, palaa syksyllä."
    assert PrivacyLog.objects.get().action == PrivacyLog.Action.EXPORT


def all_stored_text() -> str:
    """Every value of every row of every table, as one string."""
    chunks = []
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            chunks.extend(str(value) for value in row.values())
    return "\n".join(chunks)


def test_erasure_asks_for_confirmation_then_leaves_no_trace(person, admin_client):
    _first, _second, other = person
    confirm = admin_client.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "erase"})
    assert "Kyllä, poista tiedot" in confirm.content.decode()
    assert Inquiry.objects.for_email("liisa@example.fi").count() == 2

    response = admin_client.post(
        PRIVACY_URL, {"email": "liisa@example.fi", "step": "erase-confirmed"}, follow=True
    )

    assert "Tiedot poistettiin" in response.content.decode()
    stored = all_stored_text().lower()
    for trace in ("liisa", "testinen", "050 111 2233", "palaa syksyllä"):
        assert trace not in stored
    # Someone else's inquiry is untouched.
    assert Inquiry.objects.filter(pk=other.pk, name="Matti Muu").exists()
    erasure = PrivacyLog.objects.get(action=PrivacyLog.Action.ERASURE)
    assert erasure.rows >= 2 + 1 + 4 + 4
    assert erasure.email_hash == privacy.email_hash("liisa@example.fi")


def test_privacy_log_is_read_only_in_the_admin(person, admin_client):
    admin_client.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "find"})
    entry = PrivacyLog.objects.get()
    body = admin_client.get("/admin/bookings/privacylog/").content.decode()
    assert "Tietojen tarkastus" in body
    assert "liisa" not in body.lower()
    change = admin_client.get(f"/admin/bookings/privacylog/{entry.pk}/change/").content.decode()
    assert 'name="rows"' not in change
    assert admin_client.get("/admin/bookings/privacylog/add/").status_code == 403


def test_privacy_requests_need_an_admin_login(client, person):
    response = client.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "find"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not PrivacyLog.objects.exists()


def test_a_view_only_user_can_look_but_not_erase(person, django_user_model):
    from django.contrib.auth.models import Permission

    from tests.conftest import verified_client

    user = django_user_model.objects.create_user("apulainen", password="x" * 16, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    helper = verified_client(user)
    assert (
        helper.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "find"}).status_code == 200
    )
    response = helper.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "erase-confirmed"})
    assert response.status_code == 403
    assert Inquiry.objects.for_email("liisa@example.fi").count() == 2


def test_the_address_never_appears_in_a_url(person, admin_client):
    body = admin_client.post(PRIVACY_URL, {"email": "liisa@example.fi", "step": "find"})
    for form in re.findall(r"<form[^>]*>", body.content.decode()):
        assert 'method="post"' in form


@pytest.fixture
def moved_meeting():
    meeting = booked(name="Veera Varaaja", email="veera@example.fi")
    meetings.move_meeting(meeting=meeting, new_start=meeting.start + timedelta(days=7))
    return Meeting.objects.get(pk=meeting.pk)


def test_access_shows_the_meeting_and_its_history(moved_meeting, admin_client):
    body = admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "find"})
    body = body.content.decode()
    assert "Tapaamiset" in body and "Tapaamisten historia" in body
    assert moved_meeting.uid in body
    assert "Siirretty" in body
    assert moved_meeting.manage_token not in body


def test_export_holds_the_meeting_and_its_changes(moved_meeting, admin_client):
    response = admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "export"})
    data = json.loads(response.content)
    (item,) = data["inquiries"]
    (meeting,) = item["meetings"]
    assert meeting["id"] == moved_meeting.pk
    assert meeting["place"] == "remote"
    assert meeting["sequence"] == 1
    assert "manage_token" not in meeting and "confirm_token" not in meeting
    actions = [change["action"] for change in meeting["changes"]]
    assert actions == ["booked", "confirmed", "moved"]
    assert moved_meeting.manage_token not in response.content.decode()
    assert moved_meeting.confirm_token not in response.content.decode()


def test_erasure_removes_the_meeting_its_history_and_emails(moved_meeting, admin_client):
    other = booked(name="Muu Asiakas", email="muu@example.fi", skip=2)
    admin_client.post(PRIVACY_URL, {"email": "veera@example.fi", "step": "erase-confirmed"})
    assert not Meeting.objects.filter(pk=moved_meeting.pk).exists()
    assert not MeetingChange.objects.filter(meeting_id=moved_meeting.pk).exists()
    assert not Notification.objects.filter(meeting_id=moved_meeting.pk).exists()
    stored = all_stored_text().lower()
    assert "veera" not in stored and moved_meeting.uid not in stored
    assert Meeting.objects.filter(pk=other.pk).exists()


def test_the_retention_period_of_a_booking_counts_from_its_meeting(settings):
    settings.RETENTION_MONTHS_NO_CLIENT = 1
    meeting = booked()
    long_ago = timezone.now() - timedelta(days=90)
    Inquiry.objects.filter(pk=meeting.inquiry_id).update(created_at=long_ago, updated_at=long_ago)
    meeting.inquiry.status_changes.update(changed_at=long_ago)
    # The meeting is still ahead: not due, whatever the inquiry's age.
    assert privacy.purge_due_inquiries() == []
    # Its meeting was held 40 days ago: past the month.
    meeting.start = timezone.now() - timedelta(days=40)
    meeting.end = meeting.start + timedelta(minutes=30)
    meeting.set_blocked_range()
    meeting.save()
    assert [due.pk for due in privacy.purge_due_inquiries()] == [meeting.inquiry_id]
    assert not Meeting.objects.exists()
    assert not MeetingChange.objects.exists()


def test_the_privacy_notice_names_the_invitation_and_the_reminder(client):
    fi = client.get("/tietosuoja/").content.decode()
    assert "kalenterikutsu" in fi and "muistutus ennen tapaamista" in fi
    en = client.get("/en/privacy/").content.decode()
    assert "calendar invitation" in en and "reminder before the meeting" in en
