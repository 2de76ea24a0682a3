"""The empty inquiry form is rendered once and shared, yet each visitor gets tokens of their own."""

import re

import pytest

from bookings.models import Inquiry
from services.models import Goal
from tests.conftest import HttpsClient

URL = "/yhteydenotto/"


def tokens(response) -> tuple[str, str]:
    html = response.content.decode()
    return (
        re.search(r'name="token" value="([^"]+)"', html).group(1),
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1),
    )


@pytest.mark.django_db
def test_two_visitors_of_the_shared_form_each_send_their_own_inquiry(settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    visitors = [HttpsClient(enforce_csrf_checks=True) for _ in range(2)]
    forms = [tokens(visitor.get(URL)) for visitor in visitors]
    assert forms[0][0] != forms[1][0]

    for number, (visitor, (token, csrf)) in enumerate(zip(visitors, forms, strict=True)):
        response = visitor.post(
            URL,
            {
                "kind": "individual",
                "name": "Testi Asiakas",
                "email": f"asiakas{number}@example.fi",
                "consent": "on",
                "token": token,
                "csrfmiddlewaretoken": csrf,
            },
            HTTP_REFERER="https://testserver" + URL,
        )
        assert response.status_code == 302
        assert response["Location"] == "/yhteydenotto/kiitos/"

    assert Inquiry.objects.count() == 2


@pytest.mark.django_db
def test_form_is_served_without_queries_and_shows_a_changed_goal_at_once(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(URL)
    with django_assert_num_queries(0):
        assert client.get(URL).status_code == 200

    goal = Goal.objects.filter(service__is_main=True).first()
    goal.text = "Jaksaminen vuorotyössä"
    with django_capture_on_commit_callbacks(execute=True):
        goal.save()

    assert "Jaksaminen vuorotyössä" in client.get(URL).content.decode()
