"""Henna's queue in the admin: what it shows by default, filters, search, status changes with
their history, notes, the count on the front page and the CSV export."""

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.inquiries import services
from bookings.models import Inquiry, InquiryNote, StatusChange

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/bookings/inquiry/"
MARKUP = "<script>alert(1)</script>"


def make_inquiry(*, days_ago=0, status=Inquiry.Status.NEW, **fields) -> Inquiry:
    """An inquiry stored through the write path the form uses, received `days_ago` days ago."""
    values = {
        "kind": Inquiry.Kind.INDIVIDUAL,
        "name": "Aino Asiakas",
        "email": "aino@example.fi",
        "message": "",
        **fields,
    }
    values["message"] = values["message"] or f"Viesti {values['name']}"
    inquiry, created = services.submit_inquiry(submission_id=None, **values)
    assert created
    if status != Inquiry.Status.NEW:
        services.change_status(inquiry=inquiry, status=status)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    inquiry.refresh_from_db()
    return inquiry


def names_in_list(body: str) -> list[str]:
    """The inquiries' names as the changelist shows them, top to bottom."""
    return re.findall(r'<th class="field-client"><a [^>]*>([^<>]+)', body)


def test_queue_shows_open_inquiries_oldest_first_by_default(admin_client):
    make_inquiry(name="Uusi Tuore", days_ago=1)
    make_inquiry(name="Yhteydessä Vanha", days_ago=9, status=Inquiry.Status.CONTACTED)
    make_inquiry(name="Sovittu Keskimmäinen", days_ago=4, status=Inquiry.Status.MEETING)
    make_inquiry(name="Suljettu Kalle", days_ago=20, status=Inquiry.Status.CLOSED)
    make_inquiry(name="Asiakas Anna", days_ago=30, status=Inquiry.Status.CLIENT)
    make_inquiry(name="Roska Robotti", days_ago=2, status=Inquiry.Status.SPAM)
    body = admin_client.get(CHANGELIST).content.decode()
    assert names_in_list(body) == ["Yhteydessä Vanha", "Sovittu Keskimmäinen", "Uusi Tuore"]
    # The queue shows how long each has waited, with kind and status.
    assert "1\xa0viikko" in body
    assert "Tapaaminen sovittu" in body
    assert "Yksilötyönohjaus" in body


def test_queue_filters_by_status_and_kind_and_searches_name_email_and_organisation(
    admin_client,
):
    make_inquiry(name="Suljettu Kalle", days_ago=20, status=Inquiry.Status.CLOSED)
    make_inquiry(
        name="Uusi Tiimi",
        days_ago=10,
        kind=Inquiry.Kind.GROUP,
        organisation="Kotkan Satama Oy",
        participants=8,
    )
    make_inquiry(
        name="Roska Robotti", email="robotti@example.fi", days_ago=2, status=Inquiry.Status.SPAM
    )
    expected_by_query = {
        "status=closed": ["Suljettu Kalle"],
        "status=spam": ["Roska Robotti"],
        "status=new": ["Uusi Tiimi"],
        "status=all": ["Suljettu Kalle", "Uusi Tiimi", "Roska Robotti"],
        "kind=group": ["Uusi Tiimi"],
        "status=all&kind=individual": ["Suljettu Kalle", "Roska Robotti"],
        "status=all&q=kalle": ["Suljettu Kalle"],
        "status=all&q=robotti@example.fi": ["Roska Robotti"],
        "status=all&q=kotkan": ["Uusi Tiimi"],
    }
    for query, expected in expected_by_query.items():
        body = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
        assert names_in_list(body) == expected, query


def test_queue_filters_by_date_received(admin_client):
    make_inquiry(name="Viime Kuu", days_ago=40)
    make_inquiry(name="Tämä Viikko", days_ago=2)
    body = admin_client.get(CHANGELIST).content.decode()
    # Follow the link the date filter offers for the past seven days.
    link = re.search(r'<a href="(\?[^"]*created_at__gte[^"]*)"[^>]*>\s*Viimeiset 7 päivää', body)
    assert link, "no 'past 7 days' filter"
    body = admin_client.get(CHANGELIST + link.group(1).replace("&amp;", "&")).content.decode()
    assert names_in_list(body) == ["Tämä Viikko"]


def test_bulk_action_changes_status_and_records_who_did_it(admin_client, admin_user):
    first = make_inquiry(name="Eka Asiakas", days_ago=3)
    second = make_inquiry(name="Toka Asiakas", days_ago=2)
    untouched = make_inquiry(name="Kolmas Asiakas", days_ago=1)
    response = admin_client.post(
        CHANGELIST,
        {"action": "mark_contacted", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "2 yhteydenoton tila on nyt Yhteydessä." in response.content.decode()
    for inquiry in (first, second):
        inquiry.refresh_from_db()
        assert inquiry.status == Inquiry.Status.CONTACTED
        change = inquiry.status_changes.last()
        assert (change.from_status, change.to_status) == ("new", "contacted")
        assert change.changed_by == admin_user
    untouched.refresh_from_db()
    assert untouched.status == Inquiry.Status.NEW
    assert untouched.status_changes.count() == 1


def test_every_status_has_a_bulk_action(admin_client):
    make_inquiry()  # The actions show only above a list with something in it.
    body = admin_client.get(CHANGELIST).content.decode()
    for status in Inquiry.Status:
        assert f'<option value="mark_{status.value}">Merkitse tilaan: {status.label}' in body


class FormFields(HTMLParser):
    """The fields of the admin's change form with the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.add(name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def change_form_data(client, inquiry) -> dict:
    url = reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    data = {name: values for name, values in parser.data.items() if values}
    data.pop("_saveasnew", None)
    return {
        name: values[0] if len(values) == 1 else values
        for name, values in data.items()
        if not name.startswith("_")
    }


def test_status_change_in_the_change_form_is_recorded_with_user_and_time(admin_client, admin_user):
    inquiry = make_inquiry(days_ago=2)
    url = reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
    data = change_form_data(admin_client, inquiry)
    data["status"] = Inquiry.Status.MEETING
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.MEETING
    change = inquiry.status_changes.last()
    assert (change.from_status, change.to_status) == ("new", "meeting")
    assert change.changed_by == admin_user
    assert timezone.now() - change.changed_at < timedelta(minutes=1)
    # The history is on the inquiry's page.
    body = admin_client.get(url).content.decode()
    assert "Tapaaminen sovittu" in body
    assert admin_user.username in body


def test_a_note_gets_its_author_and_stays(admin_client, admin_user):
    inquiry = make_inquiry(days_ago=1)
    url = reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
    data = change_form_data(admin_client, inquiry)
    data["notes-0-text"] = "Soitin, sovittiin tapaaminen ensi viikolle."
    assert admin_client.post(url, data).status_code == 302
    note = InquiryNote.objects.get(inquiry=inquiry)
    assert note.author == admin_user
    assert note.text == "Soitin, sovittiin tapaaminen ensi viikolle."
    assert inquiry.status_changes.count() == 1  # A note alone changes no status.

    body = admin_client.get(url).content.decode()
    assert "Soitin, sovittiin tapaaminen ensi viikolle." in body
    # Notes are a log: no box to delete one.
    assert 'name="notes-0-DELETE"' not in body


def test_admin_front_page_shows_how_many_new_inquiries_wait(admin_client):
    make_inquiry(name="Eka")
    make_inquiry(name="Toka")
    make_inquiry(name="Kolmas", status=Inquiry.Status.CONTACTED)
    make_inquiry(name="Roska", status=Inquiry.Status.SPAM)
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "2 uutta yhteydenottoa odottaa" in body
    assert f'href="{CHANGELIST}?status=new"' in body


def test_admin_front_page_says_when_nothing_new_waits(admin_client):
    make_inquiry(status=Inquiry.Status.CLOSED)
    assert "Ei uusia yhteydenottoja." in admin_client.get(reverse("admin:index")).content.decode()


def export(client, *inquiries):
    return client.post(
        CHANGELIST + "?status=all",
        {"action": "export_csv", "_selected_action": [i.pk for i in inquiries]},
    )


def test_csv_export_opens_in_finnish_excel(admin_client):
    first = make_inquiry(
        name="Äiniö Öljymäki",
        days_ago=3,
        phone="040 123 4567",
        message="Rivi yksi;\nrivi kaksi",
        kind=Inquiry.Kind.COMMUNITY,
        organisation="Kotkan Kaupunki",
        participants=25,
    )
    make_inquiry(name="Ei Valittu", days_ago=2)
    response = export(admin_client, first)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8 only with a BOM.
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    record = dict(zip(header, row, strict=True))
    assert record["Nimi"] == "Äiniö Öljymäki"
    assert record["Viesti"] == "Rivi yksi;\nrivi kaksi"
    assert record["Työnohjauksen muoto"] == "Työyhteisön työnohjaus"
    assert record["Tila"] == "Uusi"
    assert record["Osallistujia"] == "25"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", record["Vastaanotettu"])


def test_csv_export_defuses_formulas(admin_client):
    inquiry = make_inquiry(
        name='=HYPERLINK("http://evil.example";"klikkaa")',
        organisation="+358 Oy",
        preferred_times="@SUM(1+1)",
        message="-2+3",
    )
    rows = list(
        csv.reader(
            io.StringIO(export(admin_client, inquiry).content.decode("utf-8-sig")), delimiter=";"
        )
    )
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Nimi"] == '\'=HYPERLINK("http://evil.example";"klikkaa")'
    assert record["Organisaatio"] == "'+358 Oy"
    assert record["Toivotut ajat"] == "'@SUM(1+1)"
    assert record["Viesti"] == "'-2+3"


def test_markup_typed_by_a_visitor_shows_as_text_in_the_admin(admin_client):
    inquiry = make_inquiry(
        name=MARKUP,
        organisation=MARKUP,
        preferred_times=MARKUP,
        message=MARKUP,
        kind=Inquiry.Kind.GROUP,
        participants=3,
    )
    InquiryNote.objects.create(inquiry=inquiry, text=MARKUP)
    pages = [
        admin_client.get(CHANGELIST).content.decode(),
        admin_client.get(f"{CHANGELIST}?q=script").content.decode(),
        admin_client.get(
            reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
        ).content.decode(),
    ]
    for body in pages:
        assert MARKUP not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_status_history_is_kept_when_status_changes_back_and_forth():
    inquiry = make_inquiry()
    for status in ("contacted", "meeting", "client", "closed"):
        assert services.change_status(inquiry=inquiry, status=status)
    assert not services.change_status(inquiry=inquiry, status="closed")
    history = list(StatusChange.objects.filter(inquiry=inquiry).values_list("to_status", flat=True))
    assert history == ["new", "contacted", "meeting", "client", "closed"]
    # The retention period of a former client runs from the end of the client relationship.
    assert inquiry.client_ended_at is not None


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999",
        "created_at__year=99999999999999999999",
        "created_at__year=2026&created_at__month=99999999999999999999",
    ],
)
@pytest.mark.parametrize("changelist", [CHANGELIST, "/admin/bookings/privacylog/"])
def test_a_date_beyond_the_calendar_in_the_address_is_a_wrong_filter_not_an_error(
    admin_client, changelist, query
):
    make_inquiry(name="Aino Asiakas")
    response = admin_client.get(f"{changelist}?{query}", follow=True)
    assert response.status_code == 200
    # The admin's own answer to a filter it cannot use: the list again, with ?e=1.
    assert response.redirect_chain[-1][0].endswith("?e=1")


def test_reply_opens_hennas_mail_program_with_the_address_and_the_reference(admin_client):
    inquiry = make_inquiry(name="Aino Asiakas", email="aino+tiimi@example.fi")
    english = make_inquiry(name="Ann Client", email="ann@example.com", language="en")
    page = admin_client.get(
        reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
    ).content.decode()
    subject = f"Yhteydenottosi Aventuriaan (viite {inquiry.reference})"
    from urllib.parse import quote

    assert f'href="mailto:aino%2Btiimi@example.fi?subject={quote(subject)}"' in page
    assert ">Vastaa sähköpostilla</a>" in page
    page = admin_client.get(
        reverse("admin:bookings_inquiry_change", args=[english.pk])
    ).content.decode()
    assert quote(f"Your inquiry to Aventuria (reference {english.reference})") in page


def test_the_clients_message_is_read_only_and_the_address_can_be_mended(admin_client):
    inquiry = make_inquiry(message="Tiimimme tarvitsee apua.", email="aino@exmaple.fi")
    url = reverse("admin:bookings_inquiry_change", args=[inquiry.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="message"' not in page
    assert "Tiimimme tarvitsee apua." in page
    assert 'name="email"' in page
    response = admin_client.post(
        url,
        {
            "status": inquiry.status,
            "kind": inquiry.kind,
            "name": inquiry.name,
            "email": "aino@example.fi",
            "message": "Henna kirjoitti tämän.",
            "language": "fi",
            **{
                f"{prefix}-{key}": value
                for prefix in ("meetings", "notes", "status_changes", "notifications")
                for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        },
    )
    assert response.status_code in (200, 302)
    inquiry.refresh_from_db()
    assert inquiry.message == "Tiimimme tarvitsee apua."
