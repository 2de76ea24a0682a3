import pytest

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
]


def test_home_page_in_chromium_shows_the_content_at_phone_and_desktop_width(
    live_site, page, artifacts_dir
):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_site.url + "/")
        assert page.locator("h1").inner_text() == (
            "Työnohjaus tukee työssä jaksamista ja kehittymistä"
        )
        assert page.locator(".checklist li").count() == 9
        assert page.get_by_role("link", name="henna@aventuria.fi").first.is_visible()
        # Nothing sticks out sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.screenshot(path=artifacts_dir / f"home-{width}.png", full_page=True)
