"""Chromium under the real Content-Security-Policy: the public pages and Henna's admin pages."""

import uuid

import pytest
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.inquiries import services as inquiries
from bookings.models import Inquiry
from services.models import Practice, Service

from .test_admin_login import code_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.long(seconds=26),
]

PASSWORD = "pitkä-ja-hyvä-salasana-2026"


def watch_for_violations(page) -> list[str]:
    """CSP violations as Chromium reports them: console messages, and any script errors."""
    problems = []

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: script error {error}"))
    return problems


def visit(page, url):
    response = page.goto(url)
    assert response.status < 500, url
    assert "default-src 'none'" in response.headers["content-security-policy"], url
    # Let deferred scripts run and their requests finish before judging the page.
    page.wait_for_load_state("networkidle")
    return response


def test_public_pages_load_without_a_csp_violation(live_site, page):
    problems = watch_for_violations(page)
    service = Service.objects.published().first()
    for language in ("fi", "en"):
        with translation.override(language):
            paths = [
                reverse("services:home"),
                service.get_absolute_url(),
                reverse("bookings:inquiry"),
                reverse("bookings:thanks"),
                reverse("services:privacy"),
                reverse("services:accessibility"),
            ]
        for path in paths:
            visit(page, live_site.url + path)
    visit(page, live_site.url + "/ei-ole-tallaista-sivua/")
    assert problems == []


def test_the_admin_pages_henna_uses_load_without_a_csp_violation(
    live_site, page, django_user_model
):
    henna = django_user_model.objects.create_superuser("henna", "henna@example.invalid", PASSWORD)
    device = TOTPDevice.objects.create(user=henna, name="puhelin", confirmed=True)
    inquiry, _ = inquiries.submit_inquiry(
        submission_id=uuid.uuid4(),
        kind=Inquiry.Kind.values[0],
        name="Testi Asiakas",
        email="testi@example.invalid",
        message="Työnohjausta tiimille.",
    )
    problems = watch_for_violations(page)

    visit(page, live_site.url + reverse("admin:login"))
    page.fill("#id_username", "henna")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code_for(device))
    page.click("#login-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == live_site.url + reverse("admin:index")

    for url in (
        reverse("admin:index"),
        reverse("admin:bookings_inquiry_changelist"),
        reverse("admin:bookings_inquiry_change", args=[inquiry.pk]),
        reverse("admin:services_service_change", args=[Service.objects.first().pk]),
        reverse("admin:services_practice_change", args=[Practice.load().pk]),
    ):
        visit(page, live_site.url + url)
        assert page.locator("#content").is_visible(), url
    # The inline formsets' "add another" is built by the admin's scripts: they ran.
    service = Service.objects.first()
    visit(page, live_site.url + reverse("admin:services_service_change", args=[service.pk]))
    assert page.locator(".add-row a").count() >= 1
    assert problems == []


def test_history_compare_restore_and_preview_work_under_the_csp(live_site, page, django_user_model):
    henna = django_user_model.objects.create_superuser("henna", "henna@example.invalid", PASSWORD)
    device = TOTPDevice.objects.create(user=henna, name="puhelin", confirmed=True)
    problems = watch_for_violations(page)
    # The preview opens in a tab of its own: every tab's console counts.
    page.context.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and message.page is not page
            and problems.append(f"preview: {message.text}")
        ),
    )
    visit(page, live_site.url + reverse("admin:login"))
    page.fill("#id_username", "henna")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", code_for(device))
    page.click("#login-form [type=submit]")
    page.wait_for_load_state("networkidle")

    service = Service.objects.get(is_main=True)
    change = live_site.url + reverse("admin:services_service_change", args=[service.pk])
    for headline in ("Ensimmäinen iskulause", "Toinen iskulause"):
        visit(page, change)
        page.fill("#id_headline_fi", headline)
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")

    visit(page, live_site.url + reverse("admin:services_service_history", args=[service.pk]))
    page.get_by_role("button", name="Vertaa valittuja versioita").click()
    page.wait_for_load_state("networkidle")
    assert "Ensimmäinen iskulause" in page.locator("tr.changed").first.inner_text()
    page.get_by_role("link", name="Avaa vanhempi versio palautettavaksi").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_headline_fi").input_value() == "Ensimmäinen iskulause"

    visit(page, change)
    page.fill("#id_headline_fi", "Esikatseltava iskulause")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Esikatsele englanniksi").click()
    preview = opened.value
    preview.wait_for_load_state("networkidle")
    assert preview.locator("html").get_attribute("lang") == "en"
    assert "Preview" in preview.locator(".preview-banner").inner_text()
    assert Service.objects.get(pk=service.pk).headline_fi == "Toinen iskulause"
    assert problems == []
