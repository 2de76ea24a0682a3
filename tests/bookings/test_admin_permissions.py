"""Every admin action and export needs the permission it implies, not only the right to look."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from bookings.inquiries import services
from bookings.models import Inquiry
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/bookings/inquiry/"
PRIVACY = "/admin/bookings/inquiry/tietosuojapyynto/"


def staff_client(*permissions: str):
    user = User.objects.create_user("avustaja", password="x" * 16, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="bookings", codename__in=permissions)
    )
    return verified_client(user)


@pytest.fixture
def inquiry():
    inquiry, _ = services.submit_inquiry(
        submission_id=None, kind="individual", name="Aino Asiakas", email="aino@example.fi"
    )
    return inquiry


def test_a_view_only_user_cannot_change_a_status_with_an_action(inquiry):
    client = staff_client("view_inquiry")
    body = client.get(CHANGELIST).content.decode()
    assert "Aino Asiakas" in body
    assert 'value="mark_spam"' not in body
    for action in ("mark_spam", "mark_client"):
        client.post(CHANGELIST, {"action": action, "_selected_action": [inquiry.pk]})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.NEW
    assert inquiry.status_changes.count() == 1


def test_a_user_who_may_change_inquiries_gets_the_status_actions(inquiry):
    client = staff_client("view_inquiry", "change_inquiry")
    client.post(CHANGELIST, {"action": "mark_contacted", "_selected_action": [inquiry.pk]})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CONTACTED


def test_exports_need_the_export_permission(inquiry):
    client = staff_client("view_inquiry", "change_inquiry")
    assert 'value="export_csv"' not in client.get(CHANGELIST).content.decode()
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [inquiry.pk]})
    assert "text/csv" not in response["Content-Type"]
    assert b"aino@example.fi" not in response.content
    page = client.post(PRIVACY, {"email": "aino@example.fi", "step": "find"})
    assert page.status_code == 200
    assert "Lataa tiedot (JSON)" not in page.content.decode()
    response = client.post(PRIVACY, {"email": "aino@example.fi", "step": "export"})
    assert response.status_code == 403


def test_with_the_export_permission_both_exports_work(inquiry):
    client = staff_client("view_inquiry", "export_inquiry")
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [inquiry.pk]})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    response = client.post(PRIVACY, {"email": "aino@example.fi", "step": "export"})
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "aino@example.fi" in response.content.decode()


def test_the_front_page_counts_new_inquiries_only_for_those_who_may_see_them(inquiry):
    user = User.objects.create_user("sisalto", password="x" * 16, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="services"))
    body = verified_client(user).get(reverse("admin:index")).content.decode()
    assert "uusi yhteydenotto odottaa" not in body
    assert "Yhteydenotot" not in body
    user.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    body = verified_client(user).get(reverse("admin:index")).content.decode()
    assert "1 uusi yhteydenotto odottaa" in body
