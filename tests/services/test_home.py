import html
import re

import pytest
from django.urls import reverse

from services.models import Goal, Practice, Service
from tests.wsgi import get

pytestmark = pytest.mark.django_db


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return normalise(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def content_sentences(path) -> list[str]:
    """Every sentence (or list item, heading, contact line) of the practice's text."""
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("•").strip()
        if not line:
            continue
        # Split after a full stop followed by a capital letter: "vuotta. Työnohjauksen".
        sentences += [s for s in re.split(r"(?<=\.)\s+(?=[A-ZÅÄÖ])", line) if s]
    return sentences


def test_home_page_shows_every_sentence_of_the_practice_text(client, content_file):
    text = visible_text(client.get("/"))
    sentences = content_sentences(content_file)
    assert len(sentences) > 30
    missing = [s for s in sentences if normalise(s) not in text]
    assert missing == []


def test_methods_keep_their_explanation_in_one_phrase(client):
    text = visible_text(client.get("/"))
    assert "dialogisuus eli yhdessä ajatteleminen ja keskustelu" in text


def test_goals_are_a_list_of_nine_items(client):
    body = client.get("/").content.decode()
    goals = re.search(r'<ul class="checklist">(.*?)</ul>', body, flags=re.S).group(1)
    assert goals.count("<li>") == 9


def test_home_page_has_language_title_and_description_from_the_database(client):
    service = Service.objects.get(is_main=True)
    body = client.get("/").content.decode()
    assert '<html lang="fi">' in body
    assert f"<title>{html.escape(service.seo_title)}</title>" in body
    assert f'<meta name="description" content="{html.escape(service.seo_description)}">' in body


def test_contact_details_are_links_in_the_footer_of_every_page(client):
    for url in ["/", reverse("bookings:inquiry"), reverse("services:privacy")]:
        body = client.get(url).content.decode()
        footer = body[body.index('<footer class="site-footer">') :]
        assert 'href="mailto:henna@aventuria.fi"' in footer
        assert 'href="tel:+358457835' in footer
        assert ">045 7835 4299</a>" in footer
        assert "1926008-0" in footer
        assert "Kotka, Kotkansaari" in footer
        assert "48100 Kotka" in footer


def test_calls_to_action_lead_to_the_inquiry_page(client):
    body = client.get("/").content.decode()
    assert body.count(f'href="{reverse("bookings:inquiry")}"') >= 3


def test_saving_in_the_admin_shows_on_the_site_once_committed(
    admin_client, client, django_capture_on_commit_callbacks
):
    client.get("/")  # Rendered and cached.
    goal = Goal.objects.order_by("order").first()
    url = reverse("admin:services_service_change", args=[goal.service_id])
    response = admin_client.get(url)
    assert response.status_code == 200
    service = Service.objects.get(pk=goal.service_id)
    service.headline_fi = "Uusi iskulause, jonka Henna kirjoitti"
    with django_capture_on_commit_callbacks(execute=True):
        service.save()
    assert "Uusi iskulause, jonka Henna kirjoitti" in client.get("/").content.decode()


def test_contact_details_edit_shows_in_the_footer_at_once(
    client, django_capture_on_commit_callbacks
):
    client.get("/")
    practice = Practice.load()
    practice.phone = "040 123 4567"
    with django_capture_on_commit_callbacks(execute=True):
        practice.save()
    body = client.get("/").content.decode()
    assert 'href="tel:+358401234567"' in body
    assert "040 123 4567" in body


def test_home_page_needs_at_most_five_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_warm_home_page_makes_no_queries(django_assert_num_queries):
    get("/")
    with django_assert_num_queries(0):
        assert get("/")[0] == 200


def test_second_service_page_from_the_admin_needs_no_code(client):
    service = Service.objects.create(
        title_fi="Coaching", slug="coaching", headline_fi="Valmennusta esihenkilöille"
    )
    response = client.get(service.get_absolute_url())
    assert response.status_code == 200
    assert "Valmennusta esihenkilöille" in response.content.decode()
    # The home page still shows the main service.
    assert "Valmennusta esihenkilöille" not in client.get("/").content.decode()


def test_unpublished_service_is_not_shown(client):
    service = Service.objects.create(title_fi="Luonnos", slug="luonnos", published=False)
    assert client.get(service.get_absolute_url()).status_code == 404


def test_no_third_party_resources(client, settings):
    body = client.get("/").content.decode()
    external = [
        url
        for url in re.findall(r'(?:src|href)="([^"]+)"', body)
        if url.startswith(("http://", "https://", "//")) and not url.startswith(settings.SITE_URL)
    ]
    assert external == []


def test_a_street_address_shows_in_the_footer_and_for_search_engines(client):
    from services.models import Practice

    Practice.objects.filter(pk=1).update(street_address="Keskuskatu 10 B 5")
    body = client.get("/").content.decode()
    footer = body[body.index('<footer class="site-footer">') :]
    assert "Keskuskatu 10 B 5<br>" in footer
    assert (
        '"streetAddress": "Keskuskatu 10 B 5"' in body
        or '"streetAddress":"Keskuskatu 10 B 5"' in body
    )
