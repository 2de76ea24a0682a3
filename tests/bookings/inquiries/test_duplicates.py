"""One inquiry per content, however it arrives: the same form twice, an edited resend, or
identical fresh forms at the same moment (PostgreSQL here; SQLite in test_sqlite_concurrency).

The embedded database (SQLite, what `make run` and a one-server install use) under inquiries
posted at once, through gunicorn's worker processes: no request fails, no email goes twice."""

import re
import sqlite3
import threading

import pytest
from django.db import connection

from bookings.models import Inquiry
from tests.bookings.conftest import INQUIRY_URL, inquiry_data, post_inquiry
from tests.conftest import HttpsClient
from tests.gunicorn_site import manage, sqlite_site

FORMS_AT_ONCE = 8


@pytest.mark.django_db
def test_the_same_form_sent_again_edited_says_the_first_version_was_received(
    client, filled_form, clock
):
    data = filled_form()
    assert post_inquiry(client, data).status_code == 302
    response = post_inquiry(client, {**data, "message": "Lisäys: myös etänä käy."})
    body = response.content.decode()
    assert response.status_code == 409
    assert "ensimmäinen versio on vastaanotettu. Muutoksia ei tallennettu." in body
    assert "Lisäys: myös etänä käy.</textarea>" in body
    assert Inquiry.objects.get().message == data["message"]
    # Sent once more from that page, the edit becomes an inquiry of its own.
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    post_inquiry(client, {**data, "message": "Lisäys: myös etänä käy.", "token": token})
    assert Inquiry.objects.count() == 2
    assert Inquiry.objects.last().status == Inquiry.Status.NEW


def fresh_token(client) -> str:
    body = client.get(INQUIRY_URL).content.decode()
    return re.search(r'name="token" value="([^"]+)"', body).group(1)


def send_at_once(clients, forms) -> list[int]:
    """Each client posts its form from a thread of its own, all released at the same moment."""
    start = threading.Barrier(len(clients))
    statuses = []

    def visitor(visitor_client, data):
        try:
            start.wait(timeout=30)
            statuses.append(post_inquiry(visitor_client, data).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=visitor, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_identical_fresh_forms_sent_at_once_make_one_inquiry(site_content, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = "1000/h"
    for round_number in range(3):
        clients = [HttpsClient() for _ in range(FORMS_AT_ONCE)]
        forms = [
            inquiry_data(fresh_token(c), message=f"Sama viesti {round_number}") for c in clients
        ]
        statuses = send_at_once(clients, forms)
        assert statuses == [302] * FORMS_AT_ONCE
        assert Inquiry.objects.filter(message=f"Sama viesti {round_number}").count() == 1


VISITORS = 16


@pytest.fixture
def site(tmp_path):
    mail_dir = tmp_path / "mail"
    with sqlite_site(
        tmp_path,
        EMAIL_URL=f"filemail:///{mail_dir}",  # four slashes: an absolute path
        GUNICORN_WORKERS="4",
        DJANGO_INQUIRY_MIN_FILL_SECONDS="0",
    ) as site:
        site.mail_dir = mail_dir
        yield site


def message_ids(mail_dir) -> list[str]:
    """The Message-ID of every email the mail 'server' (Django's file backend) accepted."""
    return [
        match
        for path in sorted(mail_dir.glob("*.log"))
        for match in re.findall(r"^Message-ID: (\S+)$", path.read_text(), re.MULTILINE)
    ]


def test_inquiries_posted_at_once_are_all_stored_and_each_email_goes_once(site):
    forms = [site.fresh_form() for _ in range(VISITORS)]
    datas = []
    for number in range(VISITORS):
        data = inquiry_data("", name=f"Vierailija {number}", message=f"Viesti {number}")
        del data["token"]
        datas.append(data)
    statuses = post_at_once(site, forms, datas, [f"198.51.100.{n}" for n in range(VISITORS)])

    assert statuses == [302] * VISITORS, site.log()
    assert "database is locked" not in site.log()
    sent = manage(site.env, "send_notifications", capture_output=True, text=True).stdout
    # Every email went out with its inquiry, and the command found nothing left to send.
    assert "Sent 0, failed 0." in sent
    ids = message_ids(site.mail_dir)
    assert len(ids) == 2 * VISITORS
    assert len(set(ids)) == len(ids)


def post_at_once(site, forms, datas, addresses) -> list[int]:
    start = threading.Barrier(len(forms))
    statuses = [None] * len(forms)

    def visitor(number):
        start.wait(timeout=30)
        statuses[number] = site.post_form(forms[number], datas[number], address=addresses[number])[
            0
        ]

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_identical_fresh_forms_sent_at_once_make_one_inquiry_through_gunicorn(site):
    data = inquiry_data("")
    del data["token"]
    forms = [site.fresh_form() for _ in range(8)]
    statuses = post_at_once(site, forms, [data] * 8, [f"198.51.100.{n}" for n in range(8)])
    assert statuses == [302] * 8
    with sqlite3.connect(site.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM bookings_inquiry").fetchone() == (1,)
