"""What a visitor sees when the form is filled in wrong: a Finnish message beside the field,
everything typed kept, and no inquiry stored.

The empty inquiry form is rendered once and shared, yet each visitor gets tokens of their own."""

import re

import pytest

from bookings.models import Inquiry
from services.models import Goal
from tests.bookings.conftest import post_inquiry
from tests.conftest import HttpsClient

pytestmark = pytest.mark.django_db


def field_error(body: str, field: str) -> str:
    """The error shown right beside a field (its aria-describedby target), as text."""
    pattern = rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>'
    match = re.search(pattern, body, re.S)
    assert match, f"no error beside {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def input_value(body: str, field: str) -> str | None:
    match = re.search(rf'<input [^>]*name="{field}"[^>]*>', body)
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Kirjoita nimesi."),
        ({"email": ""}, "email", "Kirjoita sähköpostiosoitteesi, jotta voin vastata sinulle."),
        ({"email": "aino@"}, "email", "Tarkista sähköpostiosoite, esimerkiksi nimi@esimerkki.fi."),
        ({"kind": None}, "kind", "Valitse, millaista työnohjausta toivot."),
        (
            {"consent": None},
            "consent",
            "Hyväksy tietojesi käsittely, jotta voin vastata yhteydenottoosi.",
        ),
        ({"name": "x" * 151}, "name", "enintään 150 merkkiä pitkä (tällä hetkellä 151)"),
    ],
)
def test_invalid_post_stores_nothing_and_shows_the_finnish_message_beside_the_field(
    client, filled_form, changes, field, message
):
    response = post_inquiry(client, filled_form(**changes))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in field_error(body, field)
    assert Inquiry.objects.count() == 0
    # The summary at the top links to the field.
    assert f'href="#id_{field}' in body


def test_invalid_post_keeps_everything_typed(client, filled_form):
    data = filled_form(email="aino@", goals=["2", "5"], format="kotka")
    body = post_inquiry(client, data).content.decode()
    assert input_value(body, "name") == "Äiniö Öljymäki"
    assert input_value(body, "email") == "aino@"
    assert input_value(body, "phone") == "040 123 4567"
    assert input_value(body, "preferred_times") == "Tiistai-iltapäivät"
    assert "Haluaisin työnohjausta esihenkilötyöhön.</textarea>" in body
    assert re.search(r'value="kotka"[^>]*checked', body)
    assert re.search(r'name="goals" value="2"[^>]*checked', body)
    assert re.search(r'name="goals" value="5"[^>]*checked', body)
    assert not re.search(r'name="goals" value="1"[^>]*checked', body)
    assert re.search(r'name="consent"[^>]*checked', body)


@pytest.mark.parametrize("kind", ["group", "community"])
def test_team_and_community_need_organisation_and_participants(client, filled_form, kind):
    body = post_inquiry(client, filled_form(kind=kind)).content.decode()
    assert "Kerro organisaatio" in field_error(body, "organisation")
    assert "Kerro osallistujien määrä (2–200)." in field_error(body, "participants")
    assert Inquiry.objects.count() == 0


@pytest.mark.parametrize(
    ("participants", "message"),
    [
        ("1", "Ryhmässä on vähintään 2 osallistujaa."),
        ("201", "Osallistujia voi olla enintään 200."),
        ("kymmenen", "Kirjoita osallistujien määrä numeroina."),
    ],
)
def test_participants_outside_2_to_200_are_refused(client, filled_form, participants, message):
    data = filled_form(kind="community", organisation="Kotkan kaupunki", participants=participants)
    body = post_inquiry(client, data).content.decode()
    assert field_error(body, "participants") == message
    assert Inquiry.objects.count() == 0


@pytest.mark.parametrize("participants", ["2", "200"])
def test_participants_at_the_limits_are_accepted(client, filled_form, participants):
    data = filled_form(kind="group", organisation="Kotkan kaupunki", participants=participants)
    assert post_inquiry(client, data).status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.organisation, inquiry.participants) == ("Kotkan kaupunki", int(participants))


def test_individual_inquiry_ignores_a_participant_count(client, filled_form):
    assert post_inquiry(client, filled_form(kind="individual", participants="1")).status_code == 302
    assert Inquiry.objects.get().participants is None


def test_message_over_2000_characters_is_refused_with_its_length(client, filled_form):
    body = post_inquiry(client, filled_form(message="ä" * 2001)).content.decode()
    assert field_error(body, "message") == (
        "Viesti on liian pitkä: enintään 2000 merkkiä (nyt 2001)."
    )
    assert Inquiry.objects.count() == 0


def test_message_of_2000_characters_with_line_breaks_is_accepted(client, filled_form):
    # Browsers send line breaks as CRLF but count each as one character.
    message = "rivi\r\n" * 399 + "loppu"
    assert len(message.replace("\r\n", "\n")) == 2000
    assert post_inquiry(client, filled_form(message=message)).status_code == 302
    assert Inquiry.objects.get().message == "rivi\n" * 399 + "loppu"


def test_hints_are_tied_to_their_fields(client):
    body = client.get("/yhteydenotto/").content.decode()
    for field in ("organisation", "participants", "preferred_times", "message"):
        assert re.search(rf'aria-describedby="id_{field}_helptext"[^>]*id="id_{field}"', body)
    assert "älä kirjoita terveydentilaasi" in body


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
