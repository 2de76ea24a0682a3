"""One inquiry per content, however it arrives: the same form twice, an edited resend, or
identical fresh forms at the same moment (PostgreSQL here; SQLite in test_sqlite_concurrency)."""

import re
import threading

import pytest
from django.db import connection

from bookings.models import Inquiry
from tests.bookings.conftest import INQUIRY_URL, inquiry_data, post_inquiry
from tests.conftest import HttpsClient

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
