"""Small things of Henna's working day in the admin (issue 23, point 11): times typed as she
types them, the screen reader's table headers in Finnish, and /favicon.ico."""

import re
from datetime import time

import pytest

from bookings.models import WeeklyHours

pytestmark = pytest.mark.django_db


def test_a_time_typed_as_an_hour_alone_is_accepted(admin_client):
    response = admin_client.post(
        "/admin/bookings/weeklyhours/add/", {"weekday": "0", "start_time": "8", "end_time": "16"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = WeeklyHours.objects.get(weekday=0)
    assert (added.start_time, added.end_time) == (time(8), time(16))


def test_weekly_hours_read_9_00_without_a_clock_link(admin_client):
    WeeklyHours.objects.all().delete()
    hours = WeeklyHours.objects.create(weekday=0, start_time=time(9), end_time=time(16, 30))
    page = admin_client.get("/admin/bookings/weeklyhours/").content.decode()
    assert "maanantai 9.00–16.30" in page
    assert 'value="09.00"' in page and "09.00.00" not in page
    change = admin_client.get(f"/admin/bookings/weeklyhours/{hours.pk}/change/").content.decode()
    assert "vTimeField" not in change, "the admin's clock widget and its 'Nyt' link"


def test_the_scheduling_form_writes_dates_and_times_the_finnish_way(admin_client):
    from bookings.models import Inquiry

    inquiry = Inquiry.objects.create(kind="group", name="Tiimi", email="t@example.fi")
    page = admin_client.get(f"/admin/bookings/inquiry/{inquiry.pk}/varaa/").content.decode()
    assert 'type="date"' not in page and 'type="time"' not in page
    assert re.search(r'name="date" value="\d{2}\.\d{2}\.\d{4}"', page)
    assert 'name="time" value="14.00"' in page


def test_the_admins_screen_reader_table_headers_are_finnish(admin_client):
    page = admin_client.get("/admin/").content.decode()
    headers = re.search(r'<thead class="visually-hidden">(.*?)</thead>', page, re.S)[1]
    assert "Model name" not in headers and "Add link" not in headers
    assert "Sisältö" in headers and "Lisää uusi" in headers
    english = admin_client.get("/en/admin/").content.decode()
    assert "Add new" in re.search(r'<thead class="visually-hidden">(.*?)</thead>', english, re.S)[1]


def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]+\.svg", response["Location"])
