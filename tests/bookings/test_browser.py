"""The whole path in Chromium: a visitor sends an inquiry with Finnish letters, Henna finds it."""

import pytest
from django.contrib.auth import get_user_model

from bookings.models import Inquiry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
]

PASSWORD = "pitkä-salasana-testiin-42"


def test_visitor_sends_an_inquiry_and_henna_finds_it_in_the_admin(
    live_site, page, settings, artifacts_dir
):
    # A person needs seconds to fill in the form; the test does not wait for that.
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.ADMIN_2FA = False
    get_user_model().objects.create_superuser("henna", "henna@example.fi", PASSWORD)

    # On a phone, a form sent half-filled shows its errors without anything sticking out.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_site.url + "/yhteydenotto/")
    page.get_by_label("Nimi").fill("Äiniö Öljymäki")
    page.get_by_role("button", name="Lähetä yhteydenotto").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#id_consent_error").is_visible()
    assert page.get_by_label("Nimi").input_value() == "Äiniö Öljymäki"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=artifacts_dir / "inquiry-form-errors-360.png", full_page=True)
    assert Inquiry.objects.count() == 0

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Ryhmätyönohjaus (tiimi tai ryhmä)").check()
    page.get_by_label("Etätapaamiset").check()
    page.get_by_label("Sähköposti").fill("aino@example.fi")
    page.get_by_label("Organisaatio").fill("Kärkölän Sähkö Oy")
    page.get_by_label("Osallistujien määrä").fill("12")
    page.get_by_label("Viesti (vapaaehtoinen)").fill("Tiimimme kaipaa yhteistä aikaa pohtia työtä.")
    page.get_by_label("Olen lukenut").check()
    page.get_by_role("button", name="Lähetä yhteydenotto").click()

    page.wait_for_url("**/yhteydenotto/kiitos/")
    assert page.locator("h2", has_text="Mitä seuraavaksi tapahtuu").is_visible()
    inquiry = Inquiry.objects.get()
    assert (inquiry.name, inquiry.organisation, inquiry.participants) == (
        "Äiniö Öljymäki",
        "Kärkölän Sähkö Oy",
        12,
    )
    assert inquiry.status == Inquiry.Status.NEW

    page.goto(live_site.url + "/admin/")
    page.get_by_label("Käyttäjätunnus").fill("henna")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.get_by_role("link", name="1 uusi yhteydenotto odottaa").click()
    page.locator("#searchbar").fill("Öljymäki")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url("**q=*")
    page.get_by_role("link", name="Äiniö Öljymäki").click()
    assert page.locator(".field-organisation input").input_value() == "Kärkölän Sähkö Oy"
    assert page.locator(".field-reference").inner_text().strip().endswith(inquiry.reference)
    page.screenshot(path=artifacts_dir / "inquiry-in-admin.png")
