import pytest
from django.urls import reverse

from services.models import Goal, Practice, Service

pytestmark = pytest.mark.django_db


def test_admin_is_in_finnish(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert '<html lang="fi"' in body
    assert "Sivuston sisältö" in body
    assert "Yhteydenotot" in body


def test_content_admin_is_refused_to_anonymous_visitors(client):
    for url in [
        reverse("admin:services_service_changelist"),
        reverse("admin:services_practice_change", args=[1]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_staff_can_open_every_content_admin_page(admin_client):
    service = Service.objects.get(is_main=True)
    for url in [
        reverse("admin:services_service_changelist"),
        reverse("admin:services_service_change", args=[service.pk]),
        reverse("admin:services_practice_change", args=[1]),
        reverse("admin:services_page_changelist"),
        reverse("admin:services_privacynotice_changelist"),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_service_change_form_has_view_on_site_and_both_languages(admin_client):
    service = Service.objects.get(is_main=True)
    body = admin_client.get(reverse("admin:services_service_change", args=[service.pk])).content
    body = body.decode()
    assert 'name="title_fi"' in body and 'name="title_en"' in body
    assert reverse("admin:view_on_site", args=[_content_type_id(), service.pk]) in body


def _content_type_id():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Service).pk


def practice_form_data(**changes):
    practice = Practice.load()
    data = {
        "name": practice.name,
        "business_id": practice.business_id,
        "district": practice.district,
        "postal_code": practice.postal_code,
        "city": practice.city,
        "area_served_fi": practice.area_served_fi,
        "area_served_en": practice.area_served_en,
        "email": practice.email,
        "phone": practice.phone,
        "reply_time_fi": practice.reply_time_fi,
        "reply_time_en": practice.reply_time_en,
    }
    return data | changes


def test_business_id_with_wrong_check_digit_is_refused_in_the_admin(admin_client):
    url = reverse("admin:services_practice_change", args=[1])
    response = admin_client.post(url, practice_form_data(business_id="1926008-1"))
    assert response.status_code == 200
    assert "tarkistusnumero ei täsmää" in response.content.decode()
    assert Practice.load().business_id == "1926008-0"


def test_contact_details_are_saved_from_the_admin(admin_client, client):
    url = reverse("admin:services_practice_change", args=[1])
    response = admin_client.post(url, practice_form_data(phone="+358 40 765 4321"))
    assert response.status_code == 302
    assert 'href="tel:+358407654321"' in client.get("/").content.decode()


def test_goal_order_decides_the_order_on_the_page(client):
    service = Service.objects.get(is_main=True)
    last = service.goals.order_by("-order").first()
    last.order = 0
    last.save()
    body = client.get("/").content.decode()
    first_goal = body.split('<ul class="checklist">')[1].split("</li>")[0]
    assert last.text_fi in first_goal


def test_goals_are_records_for_the_inquiry_form():
    assert Goal.objects.filter(service__is_main=True).count() == 9


def test_contact_details_open_straight_to_their_form(admin_client):
    response = admin_client.get(reverse("admin:services_practice_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:services_practice_change", args=[1])
