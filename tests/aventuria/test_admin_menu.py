"""Henna's admin front page: her own work first, the login security tables under one heading of
ours with names she can read, in Finnish, and in English under /en/admin/."""

import re

import pytest

pytestmark = pytest.mark.django_db


def headings(body: str) -> list[str]:
    return re.findall(r'<caption>\s*<a href="[^"]*"[^>]*>([^<]+)</a>', body)


def tables(body: str, heading_label: str) -> list[str]:
    return re.findall(rf'<th scope="row" id="{heading_label}-[^"]+">\s*<a[^>]*>([^<]+)</a>', body)


def test_the_front_page_puts_the_inquiries_first_and_security_last_in_finnish(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert headings(body) == [
        "Yhteydenotot",
        "Sivuston sisältö",
        "Kirjautuminen ja oikeudet",
        "Kirjautumisturva",
    ]
    assert tables(body, "bookings")[0] == "Yhteydenotot"
    assert tables(body, "security") == [
        "Todennussovellukset",
        "Varakoodit",
        "Epäonnistuneet kirjautumisyritykset",
        "Kirjautumishistoria",
    ]
    for english in ("AXES", "OTP_TOTP", "OTP_STATIC", "Access attempts", "TOTP devices"):
        assert english not in body
    # The side menu of every other admin page is the same list.
    side = admin_client.get("/admin/bookings/inquiry/").content.decode()
    assert "Kirjautumisturva" in side and "Access failures" not in side


def test_the_english_admin_names_them_in_english(admin_client):
    body = admin_client.get("/en/admin/").content.decode()
    assert headings(body) == [
        "Inquiries",
        "Site content",
        "Authentication and Authorization",
        "Login security",
    ]
    assert tables(body, "security") == [
        "Authenticator apps",
        "Backup codes",
        "Failed login attempts",
        "Login history",
    ]


def test_a_security_apps_own_page_has_the_finnish_heading_too(admin_client):
    body = admin_client.get("/admin/axes/").content.decode()
    assert headings(body) == ["Kirjautumisturva"]
    assert tables(body, "axes") == ["Epäonnistuneet kirjautumisyritykset", "Kirjautumishistoria"]
