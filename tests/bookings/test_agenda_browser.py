"""Henna's week at a glance in Chromium, on a phone (390 px) and on a laptop (1280 px)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import BusyInterval
from tests.aventuria.node_tools import AXE, require
from tests.bookings.meetings import local, make_meeting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
]

PASSWORD = "pitkä-salasana-testiin-42"


@pytest.fixture
def henna_page(browser, live_site, settings):
    settings.ADMIN_2FA = False
    get_user_model().objects.create_superuser("henna", "henna@example.fi", PASSWORD)
    # axe-core is injected, which the admin's CSP rightly refuses otherwise.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_site.url + "/admin/")
    page.get_by_label("Käyttäjätunnus").fill("henna")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def axe_violations(page, selector: str) -> list[str]:
    page.add_script_tag(path=require(AXE))
    result = page.evaluate(
        "(selector) => axe.run(document.querySelector(selector), "
        "{resultTypes: ['violations'], runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})",
        selector,
    )
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


def test_the_agenda_reads_on_a_phone_and_on_a_laptop(henna_page, live_site, artifacts_dir):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first = make_meeting(local(today, 9, 0), minutes=60)
    make_meeting(local(today, 13, 30), place="remote")
    make_meeting(local(today + timedelta(days=1), 10, 0), minutes=90)
    for week in (1, 2, 3):
        make_meeting(local(monday + timedelta(weeks=week, days=1), 14, 0), minutes=90)
        make_meeting(local(monday + timedelta(weeks=week, days=3), 9, 30), place="phone")
    BusyInterval.objects.create(start=local(today, 11, 0), end=local(today, 12, 30))
    vacation = monday + timedelta(weeks=2, days=4)
    BusyInterval.objects.create(start=local(vacation, 0), end=local(vacation + timedelta(3), 0))
    page = henna_page

    # The front page: today's and tomorrow's meetings, and the way to the whole week.
    page.goto(live_site.url + "/admin/")
    assert page.locator(".agenda-soon").get_by_text(first.inquiry.reference).is_visible()
    page.get_by_role("link", name="Koko viikkonäkymä").click()
    page.wait_for_url("**/admin/viikko/")

    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        assert page.get_by_role("heading", name="Tänään").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        busy = page.locator(".agenda-busy").first
        meeting = page.locator(".agenda-meeting").first
        # The busy times are greyed: quieter than the meetings, yet readable (axe: contrast).
        assert busy.evaluate("e => getComputedStyle(e).color") != meeting.evaluate(
            "e => getComputedStyle(e).color"
        )
        page.screenshot(path=artifacts_dir / f"agenda-{width}.png", full_page=True)
    assert axe_violations(page, "#content-main") == []

    page.get_by_role("link", name=first.inquiry.reference).click()
    page.wait_for_url(f"**/admin/bookings/inquiry/{first.inquiry.pk}/change/")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_site.url + "/admin/")
    page.screenshot(path=artifacts_dir / "admin-front-page-meetings-390.png", full_page=True)
