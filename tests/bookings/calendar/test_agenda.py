"""Henna's week at a glance in the admin, and today's and tomorrow's meetings on its front page.

Henna's week at a glance in Chromium, on a phone (390 px) and on a laptop (1280 px)."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from bookings.models import AvailabilityException, BusyInterval
from tests.bookings import admin_browser
from tests.bookings.admin_browser import axe_violations
from tests.bookings.meetings import local, make_meeting
from tests.conftest import verified_client

AGENDA = "/admin/viikko/"
henna_page = admin_browser.henna_page


@pytest.fixture
def week(db):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    in_two_weeks = monday + timedelta(weeks=2, days=1)
    return {
        "today": make_meeting(local(today, 12, 0)),
        "in_two_weeks": make_meeting(local(in_two_weeks, 14, 30), minutes=60, place="remote"),
        "cancelled": make_meeting(local(today, 15, 0), status="cancelled"),
        "too_far": make_meeting(local(monday + timedelta(weeks=6), 10, 0)),
        "busy": BusyInterval.objects.create(start=local(today, 8, 0), end=local(today, 9, 15)),
        "holiday": BusyInterval.objects.create(
            start=local(in_two_weeks, 0, 0), end=local(in_two_weeks + timedelta(days=2), 0, 0)
        ),
        "in_two_weeks_date": in_two_weeks,
    }


def entries(page: str) -> list[str]:
    import re

    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r'<li class="agenda-(?:meeting|busy)">(.*?)</li>', page, re.S)
    ]


@pytest.mark.django_db
def test_the_agenda_shows_the_meetings_and_busy_times_of_the_coming_weeks(admin_client, week):
    response = admin_client.get(AGENDA)
    assert response.status_code == 200
    page = response.content.decode()
    today, later = week["today"], week["in_two_weeks"]
    assert entries(page) == [
        "8.00–9.15 Varattu omassa kalenterissa",
        f"12.00–12.30 Tutustumistapaaminen · Äiniö Öljymäki · {today.inquiry.reference}"
        " · Vastaanotolla Kotkassa",
        "koko päivä Varattu omassa kalenterissa",
        f"14.30–15.30 Tutustumistapaaminen · Äiniö Öljymäki · {later.inquiry.reference}"
        " · Etänä (videoyhteys)",
        "koko päivä Varattu omassa kalenterissa",
    ]
    assert f'href="/admin/bookings/inquiry/{today.inquiry.pk}/change/"' in page
    assert '<h2 id="agenda-section-1">Tänään</h2>' in page
    week_number = week["in_two_weeks_date"].isocalendar().week
    assert f"Viikko {week_number}:" in page
    assert week["too_far"].inquiry.reference not in page
    assert week["cancelled"].inquiry.reference not in page


@pytest.mark.django_db
def test_a_booking_not_yet_confirmed_reads_so_and_one_not_confirmed_in_time_is_gone(
    admin_client, week
):
    from bookings.models import Meeting

    Meeting.objects.filter(pk=week["in_two_weeks"].pk).update(
        hold_until=timezone.now() + timedelta(minutes=20)
    )
    Meeting.objects.filter(pk=week["today"].pk).update(
        hold_until=timezone.now() - timedelta(minutes=1)
    )
    page = admin_client.get(AGENDA).content.decode()
    later = week["in_two_weeks"]
    assert (
        f"14.30–15.30 Tutustumistapaaminen (vahvistamatta) · Äiniö Öljymäki · "
        f"{later.inquiry.reference} · Etänä (videoyhteys)"
    ) in entries(page)
    assert week["today"].inquiry.reference not in page


@pytest.mark.django_db
def test_the_agenda_names_a_teams_organisation_and_goes_on_past_five_weeks(admin_client, week):
    """A series of ten sessions every three weeks reaches 27 weeks ahead: each is found by
    following "Seuraavat viikot", and the team is named by its organisation."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    team = {"kind": "group", "organisation": "Kotkan kaupunki, kotihoito"}
    series = [
        make_meeting(
            local(monday + timedelta(weeks=3 * n, days=2), 9, 0),
            minutes=90,
            name="Tiina Tiimivastaava",
            inquiry_fields=team,
        )
        for n in range(1, 11)
    ]
    page = admin_client.get(AGENDA).content.decode()
    assert "Kotkan kaupunki, kotihoito (Tiina Tiimivastaava)" in page
    seen = set()
    url = AGENDA
    for _page in range(7):
        page = admin_client.get(url).content.decode()
        seen |= {m.pk for m in series if m.inquiry.reference in page}
        url = re.search(r'<a href="([^"]+)" rel="next">Seuraavat viikot', page)[1].replace(
            "&amp;", "&"
        )
    assert seen == {m.pk for m in series}
    back = re.search(r'<a href="([^"]+)" rel="prev">', page)[1]
    assert back.startswith(AGENDA + "?week=")


@pytest.mark.django_db
def test_the_agenda_month_names_holidays_and_days_off(admin_client):
    AvailabilityException.objects.create(
        kind="off", start_date=date(2027, 1, 11), end_date=date(2027, 1, 12), note="Koulutus"
    )
    booked = make_meeting(local(date(2027, 1, 11), 10, 0))
    page = admin_client.get(AGENDA + "?month=2027-01").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "Tammikuu 2027" in text
    assert "Keskiviikko 6.1. · Loppiainen (arkipyhä)" in text
    assert "Perjantai 1.1. · Uudenvuodenpäivä (arkipyhä)" in text
    assert "Maanantai 11.1. · Vapaa: Koulutus" in text
    assert "Tiistai 12.1. · Vapaa: Koulutus" in text
    assert booked.inquiry.reference in page, "a meeting on a day off is still shown"
    assert "?month=2026-12" in page and "?month=2027-02" in page
    english = admin_client.get("/en" + AGENDA + "?month=2027-01").content.decode()
    assert "Epiphany (public holiday)" in english
    assert "Day off: Koulutus" in english


@pytest.mark.django_db
def test_the_agenda_prints_without_the_admins_sidebar():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("admin/css/calendar.css")).read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    assert "#nav-sidebar" in print_rules and "#header" in print_rules


@pytest.mark.django_db
def test_the_agenda_costs_a_handful_of_queries(admin_client, week, django_assert_max_num_queries):
    today = timezone.localdate()
    for n in range(40):
        make_meeting(local(today + timedelta(days=n % 20), 6 + n // 20))
    with django_assert_max_num_queries(8):
        admin_client.get(AGENDA)


@pytest.mark.django_db
def test_the_agenda_is_in_english_under_en(admin_client, week):
    page = admin_client.get("/en" + AGENDA).content.decode()
    assert ">Today</h2>" in page
    assert "Busy in your own calendar" in page


@pytest.mark.django_db
def test_the_agenda_needs_the_permission_to_view_meetings(client, week):
    assert client.get(AGENDA).status_code == 302, "not signed in: to the login page"
    user = User.objects.create_user("harjoittelija", password="x" * 16, is_staff=True)
    assert verified_client(user).get(AGENDA).status_code == 403
    user.user_permissions.set(Permission.objects.filter(codename="view_meeting"))
    user = User.objects.get(pk=user.pk)
    assert verified_client(user).get(AGENDA).status_code == 200


@pytest.mark.django_db
def test_the_front_page_shows_todays_and_tomorrows_meetings(admin_client, week):
    tomorrow = make_meeting(local(timezone.localdate() + timedelta(days=1), 10, 0))
    page = admin_client.get("/admin/").content.decode()
    assert "Tapaamiset tänään ja huomenna" in page
    assert week["today"].inquiry.reference in page
    assert tomorrow.inquiry.reference in page
    assert week["in_two_weeks"].inquiry.reference not in page
    assert 'href="/admin/viikko/"' in page


@pytest.mark.django_db
def test_the_front_page_leaves_meetings_out_for_those_who_may_not_see_them(week):
    user = User.objects.create_user("sisalto", password="x" * 16, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_service"))
    page = verified_client(user).get("/admin/").content.decode()
    assert "Tapaamiset tänään ja huomenna" not in page
    assert week["today"].inquiry.reference not in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
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
    # On paper: the week alone, without the admin's header, sidebar and the page's links.
    page.emulate_media(media="print")
    assert not page.locator("#nav-sidebar").is_visible()
    assert not page.locator(".agenda-nav").is_visible()
    assert page.get_by_role("heading", name="Tänään").is_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name=first.inquiry.reference).click()
    page.wait_for_url(f"**/admin/bookings/inquiry/{first.inquiry.pk}/change/")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_site.url + "/admin/")
    page.screenshot(path=artifacts_dir / "admin-front-page-meetings-390.png", full_page=True)

    # Further than five weeks: the next weeks, and back.
    page.goto(live_site.url + AGENDA)
    page.get_by_role("link", name="Seuraavat viikot →").click()
    page.wait_for_url("**/admin/viikko/?week=*")
    assert page.get_by_role("link", name="← Edelliset viikot").is_visible()
    page.screenshot(path=artifacts_dir / "agenda-next-weeks-390.png", full_page=True)
