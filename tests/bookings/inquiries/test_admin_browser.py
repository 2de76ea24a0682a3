"""Henna's inquiry queue in Chromium: the columns she acts on fit a laptop without sideways
scrolling, and the list reads on her phone."""

import pytest

from bookings.models import Inquiry
from tests.bookings import admin_browser
from tests.bookings.inquiries.test_admin import make_inquiry

henna_page = admin_browser.henna_page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_queue_shows_name_kind_status_and_meeting_without_scrolling(
    henna_page, live_site, artifacts_dir
):
    make_inquiry(
        name="Marja-Leena Kärkkäinen-Vuorela",
        organisation="Kotkan kaupungin kotihoito, itäinen alue",
        kind=Inquiry.Kind.GROUP,
        participants=8,
    )
    make_inquiry(name="Aino Asiakas", days_ago=9, status=Inquiry.Status.CONTACTED)
    make_inquiry(name="Ann Client", kind=Inquiry.Kind.COMMUNITY, organisation="Port Oy")
    page = henna_page
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_site.url + "/admin/bookings/inquiry/")
        page.screenshot(path=artifacts_dir / f"inquiry-list-{width}.png", full_page=True)
        table = page.locator("#result_list")
        overflow = table.evaluate(
            "t => t.getBoundingClientRect().width - t.parentElement.getBoundingClientRect().width"
        )
        assert overflow <= 0, f"{width} px: the table is {overflow} px wider than its box"
        row = page.locator("#result_list tbody tr", has_text="Marja-Leena")
        for cell in ("field-client", "field-kind_short", "field-status", "field-meeting_time"):
            box = row.locator(f".{cell}").bounding_box()
            assert box is not None and box["x"] >= 0, (width, cell)
            assert box["x"] + box["width"] <= width, (width, cell)
        assert row.get_by_text("Ryhmätyönohjaus").is_visible()
        assert row.get_by_text("Uusi").is_visible()
