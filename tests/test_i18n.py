"""Finnish first, English too: every public page in both languages, the switch between them,
English content with Finnish as the fallback, English inquiries and emails, and a Finnish admin.

The English strings come from the compiled locale/en catalogue (`make test` compiles it)."""

import html
import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError
from django.urls import reverse

from bookings.models import Inquiry
from services import views as service_views
from services.models import Page, Practice, Service
from tests.conftest import HttpsClient

pytestmark = pytest.mark.django_db

# Every public page and its twin: Finnish without a prefix, English under /en/.
TWINS = [
    ("/", "/en/"),
    ("/yhteydenotto/", "/en/contact/"),
    ("/yhteydenotto/kiitos/", "/en/contact/thank-you/"),
    ("/tietosuoja/", "/en/privacy/"),
    ("/saavutettavuus/", "/en/accessibility/"),
]
PAGES = [(fi, "fi", fi, en) for fi, en in TWINS] + [(en, "en", fi, en) for fi, en in TWINS]

# Names that stay Finnish in any language: the practice, its address, the switch to Finnish.
PROPER_NOUNS = {"kotkansaari", "kymenlaakso", "suomi", "tietosuoja.fi"}


def visible_text(body: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()).casefold()


def finnish_words(text: str) -> set[str]:
    """Words with Finnish letters, a cheap tell of text left untranslated."""
    words = {w.strip(".,:;()!?–-\"'") for w in text.split() if re.search("[äöå]", w)}
    return words - PROPER_NOUNS


def alternate_links(body: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', body))


def switch_link(body: str) -> tuple[str, str]:
    """The header's link to this page in the other language: (language, href)."""
    header = body[body.index('<header class="site-header">') : body.index("</header>")]
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+">', header)
    assert len(links) == 1, links
    href, language = links[0]
    return language, href


def content_sentences(path) -> list[str]:
    """The sentences of the practice's Finnish text, without the contact block at the end."""
    text = path.read_text(encoding="utf-8")
    text = text[: text.rindex("Aventuria ohjaus & terapia")]
    sentences = []
    for line in text.splitlines():
        line = " ".join(line.strip().lstrip("•").split())
        if line:
            sentences += [s for s in re.split(r"(?<=\.)\s+(?=[A-ZÅÄÖ])", line) if s]
    return sentences


@pytest.mark.parametrize(("url", "language", "fi_url", "en_url"), PAGES)
def test_every_public_page_answers_in_its_language_with_links_to_its_twin(
    client, url, language, fi_url, en_url
):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert alternate_links(body) == {
        "fi": settings.SITE_URL + fi_url,
        "en": settings.SITE_URL + en_url,
        "x-default": settings.SITE_URL + fi_url,
    }
    other = "en" if language == "fi" else "fi"
    assert switch_link(body) == (other, en_url if other == "en" else fi_url)
    if language == "en":
        assert finnish_words(visible_text(body)) == set()


def test_a_service_page_has_an_english_address_too(client):
    Service.objects.create(
        slug="coaching",
        title_fi="Valmennus",
        title_en="Coaching",
        lead_fi="Valmennusta esihenkilöille.",
        lead_en="Coaching for managers.",
    )
    finnish = client.get("/palvelut/coaching/").content.decode()
    english = client.get("/en/services/coaching/").content.decode()
    assert switch_link(finnish) == ("en", "/en/services/coaching/")
    assert switch_link(english) == ("fi", "/palvelut/coaching/")
    assert "Coaching for managers." in english
    assert "Valmennus" not in english


def test_english_home_page_shows_the_english_content_and_no_finnish_text(client, content_file):
    service = Service.objects.get(is_main=True)
    text = visible_text(client.get("/en/").content.decode())

    finnish = content_sentences(content_file)
    assert len(finnish) > 25
    assert [s for s in finnish if s.casefold() in text] == []
    for english in [service.title_en, service.headline_en, service.lead_en]:
        assert " ".join(english.split()).casefold() in text
    for goal in service.goals.all():
        assert goal.text_en.casefold() in text
    assert "usually within two working days" not in text  # Shown on the thank-you page only.


def test_language_switch_keeps_the_page_both_ways(client):
    finnish = client.get("/yhteydenotto/").content.decode()
    language, href = switch_link(finnish)
    assert (language, href) == ("en", "/en/contact/")

    english = client.get(href)
    assert english.status_code == 200
    body = english.content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Get in touch</h1>" in body

    language, href = switch_link(body)
    assert (language, href) == ("fi", "/yhteydenotto/")
    assert "<h1>Ota yhteyttä</h1>" in client.get(href).content.decode()


def test_language_comes_from_the_address_not_from_a_cookie_or_the_browser(client):
    # So the switch is a plain link that needs no JavaScript, and shared caches stay correct.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fi">' in response.content.decode()
    assert "Cookie" not in response.get("Vary", "")
    assert '<html lang="en">' in client.get("/en/").content.decode()


def test_empty_english_field_shows_the_finnish_text_never_a_blank(client):
    service = Service.objects.get(is_main=True)
    section = service.sections.first()
    service.lead_en = ""
    service.headline_en = ""
    service.save()
    section.heading_en = ""
    section.save()

    text = visible_text(client.get("/en/").content.decode())
    assert " ".join(service.lead_fi.split()).casefold() in text
    assert service.headline_fi.casefold() in text
    assert section.heading_fi.casefold() in text
    # The fields Henna did translate stay English.
    assert service.title_en.casefold() in text


def test_english_text_saved_in_the_admin_shows_on_the_english_page(
    admin_client, client, django_capture_on_commit_callbacks
):
    page = Page.objects.get(key=Page.Key.ACCESSIBILITY)
    client.get("/en/accessibility/")  # Rendered and cached before the edit.
    data = {
        "key": page.key,
        "title_fi": page.title_fi,
        "title_en": "Accessibility of this site",
        "intro_fi": page.intro_fi,
        "intro_en": page.intro_en,
        "body_fi": page.body_fi,
        "body_en": page.body_en,
        "seo_title_fi": page.seo_title_fi,
        "seo_title_en": page.seo_title_en,
        "seo_description_fi": page.seo_description_fi,
        "seo_description_en": page.seo_description_en,
    }
    url = reverse("admin:services_page_change", args=[page.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302

    english = client.get("/en/accessibility/").content.decode()
    assert "<h1>Accessibility of this site</h1>" in english
    assert f"<h1>{page.title_fi}</h1>" in client.get("/saavutettavuus/").content.decode()


def test_form_errors_are_in_the_language_of_the_page(client):
    english = client.post("/en/contact/", {"email": "not-an-address", "participants": "x"})
    body = html.unescape(english.content.decode())
    assert english.status_code == 400
    assert "Please check the form" in body
    assert "Please enter your name." in body
    assert "Please check the email address, for example name@example.com." in body
    assert "Please choose the kind of supervision you are looking for." in body
    assert finnish_words(visible_text(english.content.decode())) == set()

    finnish = html.unescape(client.post("/yhteydenotto/", {}).content.decode())
    assert "Tarkista lomakkeen tiedot" in finnish
    assert "Kirjoita nimesi." in finnish


def test_english_inquiry_gets_an_english_acknowledgement_and_a_finnish_notice_to_henna(
    client, settings, django_capture_on_commit_callbacks
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    form = client.get("/en/contact/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    data = {
        "kind": "group",
        "name": "Sam Porter",
        "email": "sam@example.com",
        "organisation": "HaminaKotka port",
        "participants": "6",
        "consent": "on",
        "website": "",
        "token": token,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/contact/", data)
    assert response.status_code == 302
    assert response["Location"] == "/en/contact/thank-you/"
    thanks = client.get(response["Location"]).content.decode()
    assert "What happens next" in thanks
    assert "I will get back to you usually within two working days." in thanks

    inquiry = Inquiry.objects.get()
    assert inquiry.language == "en"
    practice = Practice.objects.get()
    ack = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    staff = next(m for m in mail.outbox if m.to == [practice.email])

    assert ack.subject == "Thank you for getting in touch – Aventuria ohjaus & terapia"
    assert ack.body.startswith("Hello,")
    assert "I will get back to you usually within two working days." in ack.body
    assert f"The reference of your inquiry is {inquiry.reference}." in ack.body
    assert finnish_words(ack.subject + " " + ack.body) == set()

    kind = "Ryhmätyönohjaus (tiimi tai ryhmä)"
    assert staff.subject == f"Uusi yhteydenotto {inquiry.reference}: {kind}"
    assert "Sivustolle on tullut uusi yhteydenotto." in staff.body
    assert "Asiakkaan kieli: englanti" in staff.body


@pytest.mark.parametrize(
    ("url", "language", "heading", "switch"),
    [
        ("/olematon/", "fi", "Sivua ei löytynyt", ("en", "/en/")),
        ("/en/nonexistent/", "en", "Page not found", ("fi", "/")),
    ],
)
def test_404_page_is_in_the_language_of_the_address(client, url, language, heading, switch):
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in body
    assert f"<h1>{heading}</h1>" in body
    # There is no twin to switch to: the switch leads to the other language's home page.
    assert switch_link(body) == switch


@pytest.mark.parametrize(
    ("url", "language", "heading"),
    [
        ("/saavutettavuus/", "fi", "Palvelussa on häiriö"),
        ("/en/accessibility/", "en", "Something went wrong"),
    ],
)
def test_500_page_is_in_the_language_of_the_address(monkeypatch, url, language, heading):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(service_views.AccessibilityView, "get_context_data", broken)
    response = HttpsClient(raise_request_exception=False).get(url)
    body = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in body
    assert f"<h1>{heading}</h1>" in body


def test_503_page_for_an_unreachable_database_is_in_english_on_english_pages(monkeypatch):
    def unreachable(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(service_views.AccessibilityView, "get_context_data", unreachable)
    response = HttpsClient(raise_request_exception=False).get("/en/accessibility/")
    assert response.status_code == 503
    assert "<h1>The service is temporarily unavailable</h1>" in response.content.decode()


def test_admin_is_finnish_even_for_an_english_browser(client, admin_client):
    login = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    body = login.content.decode()
    assert reverse("admin:login").startswith("/admin/")
    assert '<html lang="fi"' in body
    assert "Kirjaudu sisään" in body
    assert "Log in" not in body

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    index = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fi"' in index
    assert "Sisältö ja yhteydenotot" in index


def test_admin_under_en_is_english(admin_client):
    body = admin_client.get("/en/admin/").content.decode()
    assert '<html lang="en"' in body
    assert "Content and inquiries" in body


def test_henna_edits_finnish_and_english_side_by_side(admin_client):
    service = Service.objects.get(is_main=True)
    body = admin_client.get(reverse("admin:services_service_change", args=[service.pk]))
    body = html.unescape(body.content.decode())
    for field in ["title", "headline", "lead", "seo_title", "seo_description"]:
        fi = body.index(f'name="{field}_fi"')
        en = body.index(f'name="{field}_en"')
        assert 0 < en - fi < 3000, field  # The English input follows its Finnish twin.
    assert "Otsikko [fi]" in body and "Otsikko [en]" in body
    # The inlines too: every section, goal and method has both languages.
    assert 'name="sections-0-heading_en"' in body
    assert 'name="goals-0-text_en"' in body
    assert 'name="methods-0-text_en"' in body
