from html.parser import HTMLParser

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


class FormValues(HTMLParser):
    """What the browser would send for the change form as it is shown (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.data, self.textarea, self.select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = "on"
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_values(admin_client, url) -> dict:
    parser = FormValues()
    parser.feed(admin_client.get(url).content.decode())
    return {key: value for key, value in parser.data.items() if key != "csrfmiddlewaretoken"}


def goal_texts(service) -> list[str]:
    return list(service.goals.order_by("order", "pk").values_list("text_fi", flat=True))


def test_a_goal_added_at_the_bottom_comes_last_and_moves_with_buttons(admin_client, client):
    service = Service.objects.get(is_main=True)
    url = reverse("admin:services_service_change", args=[service.pk])
    data = form_values(admin_client, url)
    total = int(data["goals-TOTAL_FORMS"])
    data["goals-TOTAL_FORMS"] = str(total + 1)
    data.update(
        {
            f"goals-{total}-text_fi": "Uusi tavoite lopussa",
            f"goals-{total}-order": "0",
            f"goals-{total}-service": str(service.pk),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert goal_texts(service)[-1] == "Uusi tavoite lopussa"
    page = admin_client.get(url).content.decode()
    assert "Englanti puuttuu: englanninkielisellä sivulla näkyy suomi." in page
    new = service.goals.get(text_fi="Uusi tavoite lopussa")
    assert f'name="_move" value="goal-{new.pk}-up"' in page
    # Moving it up: the form is saved as it is, and the goal changes places with the one above.
    before = goal_texts(service)
    response = admin_client.post(
        url, {**form_values(admin_client, url), "_move": f"goal-{new.pk}-up"}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert goal_texts(service) == [*before[:-2], before[-1], before[-2]]
    english = client.get("/en/").content.decode()
    assert "Uusi tavoite lopussa" in english  # Finnish on /en/, as the note says


@pytest.mark.django_db
def test_saving_a_page_costs_the_same_queries_however_many_goals_it_has(admin_client):
    """Each posted row is found among the rows the form read, not asked of the database one by
    one: a page of 9 goals and one of 19 save with the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    service = Service.objects.get(is_main=True)
    url = reverse("admin:services_service_change", args=[service.pk])

    def save_queries(headline: str) -> int:
        data = form_values(admin_client, url) | {"headline_fi": headline}
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.post(url, data).status_code == 302
        return len(queries)

    few = save_queries("Työnohjaus tukee jaksamista")
    last = service.goals.order_by("order").last().order
    Goal.objects.bulk_create(
        Goal(service=service, text=f"Tavoite {n}", text_fi=f"Tavoite {n}", order=last + n)
        for n in range(1, 11)
    )
    assert save_queries("Työnohjaus tukee työssä jaksamista") == few
    assert Service.objects.get(pk=service.pk).headline_fi == "Työnohjaus tukee työssä jaksamista"
