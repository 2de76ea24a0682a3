"""WCAG 2.1 AA in Chromium: axe-core on every public page, then what axe cannot judge alone:
the skip link, visible focus, keyboard-only use of the form, the error summary and its links."""

import pytest
from django.conf import settings

from bookings.models import Inquiry
from tests.aventuria.node_tools import AXE, require
from tests.aventuria.public_pages import LANGUAGES, page_url, public_pages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.long(seconds=26),
]

SUBMIT = "#inquiry-form [type=submit]"
# The forms, sent empty to see their error summary and the errors at the fields.
FORM_SUBMITS = {"inquiry-": SUBMIT, "booking-": "#booking-form [type=submit]"}


@pytest.fixture
def axe_page(browser):
    """A page that may inject axe-core: the site's CSP rightly refuses injected scripts."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=require(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
    ]


def test_axe_finds_no_violation_on_any_public_page_in_either_language(live_site, axe_page):
    found = {}
    checked = []
    for label, path in public_pages():
        axe_page.goto(live_site.url + path)
        found[label] = axe_violations(axe_page)
        checked.append(label)
        submit = next((s for prefix, s in FORM_SUBMITS.items() if label.startswith(prefix)), None)
        if submit:
            # The same form sent empty: the error summary and the errors at the fields.
            axe_page.click(submit)
            axe_page.wait_for_selector(".error-summary")
            found[f"{label} with errors"] = axe_violations(axe_page)
            checked.append(f"{label} with errors")
    assert {label: problems for label, problems in found.items() if problems} == {}
    assert len(checked) == 18


def focus_info(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(), id: el.id, type: el.type || "",
                text: (el.innerText || el.value || "").trim().slice(0, 40),
                outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0,
            };
        }"""
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_skip_link_is_the_first_stop_and_moves_to_the_content(live_site, page, language):
    page.goto(live_site.url + page_url("home", language))
    page.keyboard.press("Tab")
    first = focus_info(page)
    assert first["tag"] == "a" and first["visible"]
    assert first["text"] == {"fi": "Siirry sisältöön", "en": "Skip to content"}[language]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_every_focus_stop_on_the_inquiry_page_shows_a_visible_outline(live_site, page):
    page.goto(live_site.url + page_url("inquiry", "fi"))
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = focus_info(page)
        if info["tag"] == "body" or (stops and info == stops[0]):
            break
        stops.append(info)
    hidden = [
        stop for stop in stops if not (stop["outline"] != "none" and stop["outlineWidth"] >= 2)
    ]
    assert hidden == []
    reached = {stop["id"] for stop in stops}
    # Every field of the form can be reached from the keyboard; the honeypot cannot.
    for field in ("id_kind_0", "id_name", "id_email", "id_phone", "id_message", "id_consent"):
        assert field in reached
    assert "id_website" not in reached
    assert any(stop["type"] == "submit" for stop in stops)


def test_inquiry_can_be_sent_with_the_keyboard_alone(live_site, page, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    page.goto(live_site.url + page_url("inquiry", "fi"))
    page.focus("#id_kind_0")  # Where Tab from the page top lands after the header links.
    page.keyboard.press("Space")
    page.focus("#id_name")
    page.keyboard.type("Maija Meikäläinen")
    page.keyboard.press("Tab")
    page.keyboard.type("maija@example.fi")
    page.focus("#id_consent")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url("**/yhteydenotto/kiitos/")
    inquiry = Inquiry.objects.get()
    assert (inquiry.name, inquiry.email, inquiry.kind) == (
        "Maija Meikäläinen",
        "maija@example.fi",
        "individual",
    )


def test_error_summary_leads_to_each_field_and_fields_name_their_error(live_site, page):
    page.goto(live_site.url + page_url("inquiry", "fi"))
    page.click(SUBMIT)
    summary = page.locator(".error-summary")
    summary.wait_for()
    # The summary comes before the form, right after the page heading.
    assert page.evaluate(
        "document.querySelector('.error-summary').compareDocumentPosition("
        "document.querySelector('#inquiry-form')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert page.title().startswith("Virhe:")
    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == ["#id_kind_0", "#id_name", "#id_email", "#id_consent"]
    for index, target in enumerate(targets):
        page.locator(".error-summary a").nth(index).click()
        assert page.evaluate("document.activeElement.id") == target[1:]
    # Each field names its error to a screen reader.
    described = page.get_attribute("#id_name", "aria-describedby")
    assert page.locator(f"#{described}").inner_text() == "Kirjoita nimesi."
    assert page.get_attribute("#id_name", "aria-invalid") == "true"
    hints = page.get_attribute("#id_message", "aria-describedby")
    assert "Enintään" in page.locator(f"#{hints}").inner_text()
    assert settings.LANGUAGE_CODE == "fi"


def test_axe_finds_no_violation_on_the_clients_own_pages(live_site, axe_page, admin_user):
    """The pages behind a client's link, in both languages: the manage page with the move
    picker and its marked current time, the cancel question, a scheduled session's page."""
    from datetime import timedelta

    from django.utils import timezone

    from bookings.models import MeetingType
    from bookings.scheduling import meetings
    from tests.bookings.booking_helpers import booked

    meeting = booked()
    hold = booked(name="Uusi Asiakas", email="uusi@example.fi", skip=1, confirm=False)
    supervision = MeetingType.objects.create(name="Yksilötyönohjaus", duration_minutes=60)
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    start += timedelta(weeks=3)
    [session] = meetings.schedule_meetings(
        inquiry=meeting.inquiry,
        meeting_type=supervision,
        place="kotka",
        sessions=[(start, start + supervision.duration)],
        user=admin_user,
    )
    token = meeting.manage_token
    paths = [
        f"/ajanvaraus/{hold.manage_token}/vahvistus/",
        f"/ajanvaraus/vahvista/{hold.confirm_token}/",
        f"/en/booking/confirm/{hold.confirm_token}/",
        f"/ajanvaraus/{token}/",
        f"/ajanvaraus/{token}/peru/",
        f"/ajanvaraus/{session.manage_token}/",
        "/ajanvaraus/?week=2099-01-05",
        f"/en/booking/{token}/",
        f"/en/booking/{token}/cancel/",
        f"/en/booking/{session.manage_token}/",
        "/en/booking/?week=2099-01-05",
    ]
    found = {}
    for path in paths:
        axe_page.goto(live_site.url + path)
        found[path] = axe_violations(axe_page)
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_axe_finds_no_violation_on_the_preview_in_either_language(
    live_site, axe_page, admin_client
):
    """Henna's preview of an unsaved change: the public page with the preview banner on top."""
    from django.urls import reverse

    from services.models import Service
    from tests.services.admin_forms import form_data

    admin_client.defaults["HTTP_HOST"] = "127.0.0.1"  # The live site's allowed hosts.
    service = Service.objects.get(is_main=True)
    url = reverse("admin:services_service_change", args=[service.pk])
    data = form_data(admin_client.get(url)) | {"headline_fi": "Uusi iskulause"}
    found = {}
    for language in LANGUAGES:
        html = admin_client.post(url, data | {"_preview": language}).content.decode()
        assert "preview-banner" in html
        # Served at the live site's address, so that its styles load as in the admin's tab.
        address = f"{live_site.url}/esikatselu-{language}/"
        axe_page.route(address, serving(html))
        axe_page.goto(address)
        found[language] = axe_violations(axe_page)
    assert {language: problems for language, problems in found.items() if problems} == {}


def serving(html: str):
    def fulfill(route):
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    return fulfill
