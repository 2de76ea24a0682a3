"""Henna's own calendar in the admin: pasting its address, seeing how the fetch went, "Hae nyt"."""

import pytest
from django.contrib.auth.models import Permission, User

from bookings.models import BusyInterval, CalendarSync
from tests.bookings.calendar_server import ONE_EVENT
from tests.conftest import verified_client

PAGE = "/admin/bookings/calendarsync/1/change/"
FETCH = "/admin/bookings/calendarsync/1/fetch/"


def soon_event() -> bytes:
    from datetime import timedelta

    from django.utils import timezone

    from tests.bookings.calendar_server import calendar, event

    day = (timezone.now() + timedelta(days=2)).strftime("%Y%m%d")
    return calendar(event("soon@test", f"DTSTART:{day}T080000Z", f"DTEND:{day}T090000Z"))


def staff_with(*codenames) -> User:
    user = User.objects.create_user(
        f"assistentti{len(codenames)}", password="x" * 16, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.django_db
def test_the_list_opens_the_one_settings_page(admin_client):
    response = admin_client.get("/admin/bookings/calendarsync/")
    assert response.status_code == 302
    assert response["Location"] == PAGE


@pytest.mark.django_db
def test_pasting_the_address_reads_the_calendar_and_then_shows_it_masked(admin_client, server):
    url = server.serve("/secret-token-abcdef123456/basic.ics", soon_event())
    response = admin_client.post(PAGE, {"source_url": url}, follow=True)
    page = response.content.decode()
    assert "Kalenteri haettu: 1 varattua aikaa tallessa." in page
    assert CalendarSync.load().source_url == url
    assert BusyInterval.objects.count() == 1
    assert "secret-token-abcdef123456" not in page, "the secret address is not shown again"
    assert f"http://127.0.0.1:{server.httpd.server_port}/…/basic.ics"[:22] in page
    assert ".ics" in page


@pytest.mark.django_db
def test_saving_without_a_new_address_keeps_the_saved_one(admin_client, server):
    url = server.serve("/cal.ics", soon_event())
    CalendarSync.objects.create(pk=1, source_url=url)
    admin_client.post(PAGE, {"source_url": ""})
    assert CalendarSync.load().source_url == url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed, error",
    [
        ("ftp://calendar.example.com/a.ics", "Anna osoite, joka alkaa https://, http:// tai"),
        ("calendar google com", "Anna osoite, joka alkaa https://, http:// tai"),
        ("https://example.com/" + "a" * 2000, "enintään 2000 merkkiä"),
    ],
)
def test_a_bad_address_gets_a_clear_message_and_keeps_what_was_typed(admin_client, typed, error):
    response = admin_client.post(PAGE, {"source_url": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert error in page
    assert f'value="{typed}"' in page
    assert CalendarSync.load().source_url == ""


@pytest.mark.django_db
def test_the_page_shows_when_it_last_worked_and_why_it_fails_now(admin_client, server):
    good = server.serve("/cal.ics", soon_event())
    admin_client.post(PAGE, {"source_url": good})
    server.serve("/cal.ics", b"<html>moved</html>")
    response = admin_client.post(FETCH, follow=True)
    page = response.content.decode()
    assert "Osoitteesta ei tullut kelvollista iCalendar-kalenteria" in page
    assert "epäonnistunut" in page
    sync = CalendarSync.load()
    assert sync.last_success_at is not None and sync.failing_since is not None
    assert BusyInterval.objects.count() == 1, "the last busy times stay"


@pytest.mark.django_db
def test_fetch_now_reads_the_calendar_again(admin_client, server):
    url = server.serve("/cal.ics", ONE_EVENT)
    CalendarSync.objects.create(pk=1, source_url=url)
    server.serve("/cal.ics", soon_event())
    page = admin_client.get(PAGE).content.decode()
    assert "Hae nyt" in page
    response = admin_client.post(FETCH, follow=True)
    assert "Kalenteri haettu: 1 varattua aikaa tallessa." in response.content.decode()
    assert server.requests == ["/cal.ics"]


@pytest.mark.django_db
def test_fetch_now_is_a_post_for_those_who_may_change_the_settings(server):
    url = server.serve("/cal.ics", soon_event())
    CalendarSync.objects.create(pk=1, source_url=url)
    viewer = verified_client(staff_with("view_calendarsync"))
    assert viewer.get(PAGE).status_code == 200
    assert "Hae nyt" not in viewer.get(PAGE).content.decode()
    assert viewer.post(FETCH).status_code == 403
    assert viewer.post(PAGE, {"source_url": "https://evil.example/x.ics"}).status_code == 403
    outsider = verified_client(staff_with())
    assert outsider.get(PAGE).status_code == 403
    assert outsider.get("/admin/bookings/calendarsync/").status_code == 403
    assert server.requests == []


@pytest.mark.django_db
def test_fetch_now_refuses_a_get(admin_client):
    assert admin_client.get(FETCH).status_code == 405


@pytest.mark.django_db
def test_stopping_removes_the_address_and_its_busy_times(admin_client, server):
    url = server.serve("/cal.ics", soon_event())
    admin_client.post(PAGE, {"source_url": url})
    assert BusyInterval.objects.count() == 1
    admin_client.post(PAGE, {"source_url": "", "remove": "on"})
    assert CalendarSync.load().source_url == ""
    assert BusyInterval.objects.count() == 0


@pytest.mark.django_db
def test_the_settings_page_is_in_english_under_en(admin_client):
    page = admin_client.get("/en/admin/bookings/calendarsync/1/change/").content.decode()
    assert "Last successful fetch" in page


@pytest.mark.django_db
def test_an_address_that_is_refused_is_not_saved(admin_client, server):
    not_a_calendar = server.serve("/page.ics", b"<html>Kirjaudu sisaan</html>")
    response = admin_client.post(PAGE, {"source_url": not_a_calendar})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Osoitteesta ei tullut kelvollista iCalendar-kalenteria" in page
    assert f'value="{not_a_calendar}"' in page
    sync = CalendarSync.load()
    assert (sync.source_url, sync.last_error, sync.failing_since) == ("", "", None)
