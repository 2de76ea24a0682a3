"""Henna signed in to the admin in Chromium, for the browser tests of her pages."""

import pytest
from django.contrib.auth import get_user_model

from tests.aventuria.node_tools import AXE, require

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
