"""What search engines and link previews read: canonical links, Open Graph, JSON-LD, sitemap."""

import json
import re
import struct
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from services.models import Practice, Service
from tests.aventuria.public_pages import LANGUAGES, PAGE_VIEWS, not_found_url, page_url

pytestmark = pytest.mark.django_db

SITEMAP_NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
}


def head_of(response) -> str:
    body = response.content.decode()
    return body[: body.index("</head>")]


def meta(head: str, attribute: str, name: str) -> str | None:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head)
    return unescape(match.group(1)) if match else None


def json_ld(response) -> dict:
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGE_VIEWS)
def test_every_page_has_its_canonical_address_and_link_preview_tags(client, name, language):
    path = page_url(name, language)
    head = head_of(client.get(path))
    url = settings.SITE_URL + path
    assert f'<link rel="canonical" href="{url}">' in head
    title = unescape(re.search(r"<title>(.*?)</title>", head).group(1))
    assert meta(head, "property", "og:title") == title
    assert meta(head, "property", "og:url") == url
    assert meta(head, "property", "og:description") == meta(head, "name", "description")
    assert meta(head, "property", "og:description")
    assert meta(head, "property", "og:locale") == {"fi": "fi_FI", "en": "en_GB"}[language]
    assert meta(head, "property", "og:image") == settings.SITE_URL + static("img/share.png")
    assert meta(head, "name", "twitter:card") == "summary_large_image"


def test_share_image_is_a_small_png_of_the_size_the_tags_give(client):
    head = head_of(client.get("/"))
    data = Path(finders.find("img/share.png")).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (str(width), str(height)) == (
        meta(head, "property", "og:image:width"),
        meta(head, "property", "og:image:height"),
    )
    assert len(data) < 60_000
    served = client.get(static("img/share.png"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"


def test_favicon_and_touch_icon_are_linked_and_served(client):
    head = head_of(client.get("/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', head).group(1)
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', head).group(1)
    assert client.get(icon)["Content-Type"].startswith("image/svg+xml")
    touch_response = client.get(touch)
    assert touch_response["Content-Type"] == "image/png"
    png = b"".join(touch_response.streaming_content)
    assert struct.unpack(">II", png[16:24]) == (180, 180)


def test_error_pages_ask_not_to_be_indexed_and_claim_no_canonical_address(client):
    response = client.get(not_found_url("fi"))
    assert response.status_code == 404
    head = head_of(response)
    assert '<meta name="robots" content="noindex">' in head
    assert 'rel="canonical"' not in head
    assert "og:url" not in head


def test_home_page_json_ld_describes_the_practice_from_the_database(client):
    practice = Practice.load()
    service = Service.objects.get(is_main=True)
    data = json_ld(client.get("/"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ProfessionalService"
    assert data["name"] == practice.name == "Aventuria ohjaus & terapia"
    assert data["telephone"] == "+3584578354299"
    assert data["email"] == "henna@aventuria.fi"
    assert data["taxID"] == "1926008-0"
    assert data["address"] == {
        "@type": "PostalAddress",
        "postalCode": "48100",
        "addressLocality": "Kotka",
        "addressCountry": "FI",
    }
    assert data["areaServed"] == "Kotka ja Kymenlaakso, etätapaamiset koko Suomessa"
    assert [lang["alternateName"] for lang in data["availableLanguage"]] == ["fi", "en"]
    assert data["makesOffer"]["itemOffered"]["name"] == service.title_fi == "Työnohjaus"
    assert data["url"] == settings.SITE_URL + "/"
    assert data["image"] == settings.SITE_URL + static("img/share.png")


def test_english_home_page_json_ld_is_in_english(client):
    with translation.override("en"):
        url = reverse("services:home")
    data = json_ld(client.get(url))
    assert data["makesOffer"]["itemOffered"]["name"] == "Work supervision"
    assert data["areaServed"].startswith("Kotka and the Kymenlaakso region")
    assert data["url"] == settings.SITE_URL + url


def test_json_ld_follows_an_edit_of_the_contact_details(client, django_capture_on_commit_callbacks):
    client.get("/")
    practice = Practice.load()
    practice.phone = "040 123 4567"
    practice.email = "toimisto@aventuria.fi"
    with django_capture_on_commit_callbacks(execute=True):
        practice.save()
    data = json_ld(client.get("/"))
    assert data["telephone"] == "+358401234567"
    assert data["email"] == "toimisto@aventuria.fi"


def test_json_ld_cannot_close_its_script_element(client):
    practice = Practice.load()
    practice.name = "Aventuria </script><script>alert(1)</script> & co"
    practice.save()
    body = client.get("/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["name"] == practice.name


def sitemap_urls(client) -> dict[str, dict[str, str]]:
    response = client.get(reverse("sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own sitemap)
    return {
        url.find("s:loc", SITEMAP_NS).text: {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", SITEMAP_NS)
        }
        for url in root.findall("s:url", SITEMAP_NS)
    }


def test_sitemap_lists_every_public_page_in_each_language_with_hreflang(client):
    urls = sitemap_urls(client)
    expected = {
        name: {language: settings.SITE_URL + page_url(name, language) for language in LANGUAGES}
        for name in ["home", "inquiry", "booking", "privacy", "accessibility"]
    }
    assert set(urls) == {url for alternates in expected.values() for url in alternates.values()}
    for alternates in expected.values():
        for url in alternates.values():
            assert urls[url] == alternates | {"x-default": alternates["fi"]}


def test_sitemap_lists_a_new_service_page_and_not_an_unpublished_one(client):
    Service.objects.create(title_fi="Coaching", slug="coaching")
    Service.objects.create(title_fi="Luonnos", slug="luonnos", published=False)
    urls = sitemap_urls(client)
    assert settings.SITE_URL + "/palvelut/coaching/" in urls
    assert not any("luonnos" in url for url in urls)


def test_robots_txt_allows_everything_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow:" in lines
    sitemap = next(line for line in lines if line.startswith("Sitemap: "))
    assert sitemap.endswith("/sitemap.xml")
    assert client.get(sitemap.removeprefix("Sitemap: ")).status_code == 200
