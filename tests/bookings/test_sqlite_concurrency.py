"""The embedded database (SQLite, what `make run` and a one-server install use) under inquiries
posted at once, through gunicorn's worker processes: no request fails, no email goes twice."""

import re
import sqlite3
import threading

import pytest

from tests.bookings.conftest import inquiry_data
from tests.gunicorn_site import manage, sqlite_site

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


def test_identical_fresh_forms_sent_at_once_make_one_inquiry(site):
    data = inquiry_data("")
    del data["token"]
    forms = [site.fresh_form() for _ in range(8)]
    statuses = post_at_once(site, forms, [data] * 8, [f"198.51.100.{n}" for n in range(8)])
    assert statuses == [302] * 8
    with sqlite3.connect(site.env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM bookings_inquiry").fetchone() == (1,)
