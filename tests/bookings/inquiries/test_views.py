"""The visitor's path through the inquiry form: post, thank-you page, emails, and what happens
when something goes wrong on our side."""

import re
import sys

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.debug import ExceptionReporter

from bookings.inquiries import services
from bookings.models import Inquiry, Notification, StatusChange
from services.models import Practice
from tests.bookings.conftest import INQUIRY_URL, THANKS_URL, form_token, inquiry_data, post_inquiry

pytestmark = pytest.mark.django_db


def test_form_page_has_a_signed_token_and_the_privacy_link(client):
    body = client.get(INQUIRY_URL).content.decode()
    assert re.search(r'name="token" value="[^"]+:[^"]+"', body)
    assert 'href="/tietosuoja/"' in body
    assert "Lähetä yhteydenotto" in body


def test_valid_post_stores_one_inquiry_and_redirects_to_the_thank_you_page(submit, client):
    response = submit(goals=["1", "4"])
    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    inquiry = Inquiry.objects.get()
    assert inquiry.name == "Äiniö Öljymäki"
    assert inquiry.status == Inquiry.Status.NEW
    assert inquiry.language == "fi"
    assert sorted(inquiry.goals.values_list("pk", flat=True)) == [1, 4]
    assert inquiry.privacy_notice is not None
    assert StatusChange.objects.get(inquiry=inquiry).to_status == Inquiry.Status.NEW

    thanks = client.get(THANKS_URL).content.decode()
    assert "Mitä seuraavaksi tapahtuu" in thanks
    assert Practice.objects.get().reply_time in thanks


def test_valid_post_sends_two_emails_that_do_not_repeat_what_was_written(submit):
    submit(message="Tiimimme kaipaa tukea muutokseen.", phone="040 765 4321")
    inquiry = Inquiry.objects.get()
    practice = Practice.objects.get()
    assert len(mail.outbox) == 2
    ack, staff = sorted(mail.outbox, key=lambda m: m.to[0] != inquiry.email)
    assert ack.to == ["aino@example.fi"]
    assert staff.to == [practice.email]
    assert inquiry.reference in ack.body
    assert inquiry.reference in staff.subject
    assert "Yksilötyönohjaus" in staff.body
    assert f"/admin/bookings/inquiry/{inquiry.pk}/change/" in staff.body
    assert ack.subject == f"Kiitos yhteydenotostasi – {practice.name}"
    # The acknowledgement invites a reply: it goes to the practice, not to a no-reply address.
    assert ack.reply_to == [practice.email]
    assert staff.reply_to == []
    for email in (ack, staff):
        text = email.subject + email.body
        for private in ("Tiimimme kaipaa", "040 765 4321", "Äiniö", "Öljymäki"):
            assert private not in text
    assert "aino@example.fi" not in staff.body + staff.subject
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_acknowledgement_is_in_the_language_the_inquiry_was_sent_in(
    client, clock, django_capture_on_commit_callbacks
):
    Practice.objects.update(
        reply_time_fi="kahden arkipäivän kuluessa", reply_time_en="within two working days"
    )
    cache.clear()
    with translation.override("en"):
        url = reverse("bookings:inquiry")
        english = gettext("kiitos yhteydenotostasi. Se on vastaanotettu ja tallennettu.")
    assert url.startswith("/en/")
    token = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode()).group(1)
    clock.advance(60)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, inquiry_data(token))
    assert response.status_code == 302
    assert Inquiry.objects.get().language == "en"
    ack = next(m for m in mail.outbox if m.to == ["aino@example.fi"])
    staff = next(m for m in mail.outbox if m.to != ["aino@example.fi"])
    assert "within two working days" in ack.body
    assert "kahden arkipäivän" not in ack.body
    assert english in ack.body
    # Henna's notification stays in Finnish and tells her the client wrote in English.
    assert "Asiakkaan kieli: englanti" in staff.body


def test_same_form_sent_twice_makes_one_inquiry_and_two_thank_yous(submit, client, filled_form):
    data = filled_form()
    first = post_inquiry(client, data)
    second = post_inquiry(client, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == THANKS_URL
    assert Inquiry.objects.count() == 1
    # Reloading the thank-you page sends nothing.
    assert client.get(THANKS_URL).status_code == 200
    assert Inquiry.objects.count() == 1


def test_going_back_and_sending_the_same_inquiry_on_a_fresh_form_makes_one_inquiry(
    client, filled_form
):
    post_inquiry(client, filled_form())
    post_inquiry(client, filled_form())
    assert Inquiry.objects.count() == 1
    post_inquiry(client, filled_form(message="Toinen, eri asia."))
    assert Inquiry.objects.count() == 2


def test_tampered_token_shows_the_form_again_with_what_was_typed(client, filled_form, clock):
    data = filled_form()
    data["token"] = data["token"][:-3] + "AAA"
    response = post_inquiry(client, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Lomake ehti vanhentua" in body
    assert 'value="Äiniö Öljymäki"' in body
    assert Inquiry.objects.count() == 0
    # The form carries a new, valid token, counted from now: the forged one proved nothing.
    new_token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    clock.advance(30)
    assert post_inquiry(client, {**data, "token": new_token}).status_code == 302
    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_form_left_open_too_long_shows_the_form_again_with_what_was_typed(client, clock):
    token = form_token(client)
    clock.advance(25 * 3600)
    response = post_inquiry(client, inquiry_data(token))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Lomake ehti vanhentua" in body
    assert "Haluaisin työnohjausta esihenkilötyöhön.</textarea>" in body
    assert Inquiry.objects.count() == 0
    # The visitor was given the form a day ago: sending it again at once is no bot's haste.
    new_token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    assert post_inquiry(client, inquiry_data(new_token)).status_code == 302
    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_failed_csrf_check_shows_the_form_again_with_what_was_typed(filled_form):
    data = filled_form()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(INQUIRY_URL, data, secure=True)
    body = response.content.decode()
    assert response.status_code == 403
    assert "Lomakkeen turvatarkistus vanheni" in body
    assert 'value="Äiniö Öljymäki"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert Inquiry.objects.count() == 0
    # Sent again straight away with the fresh tokens, it is stored as a real inquiry.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    again = strict.post(
        INQUIRY_URL,
        {**data, "token": token, "csrfmiddlewaretoken": csrf},
        secure=True,
        headers={"referer": "https://testserver/yhteydenotto/"},
    )
    assert again.status_code == 302
    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_database_error_at_submit_gives_the_503_page_with_phone_and_email(
    client, filled_form, monkeypatch
):
    practice = Practice.objects.get()
    data = filled_form()

    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "submit_inquiry", database_down)
    response = post_inquiry(client, data)
    body = response.content.decode()
    assert response.status_code == 503
    assert "Palvelu on tilapäisesti poissa käytöstä" in body
    assert practice.phone in body
    assert practice.email in body
    assert "Kiitos" not in body
    assert "Traceback" not in body
    assert Inquiry.objects.count() == 0


def test_database_error_inside_the_save_stores_nothing(client, filled_form, monkeypatch):
    data = filled_form()

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(StatusChange.objects, "create", fail)
    response = post_inquiry(client, data)
    assert response.status_code == 503
    assert Inquiry.objects.count() == 0
    assert Notification.objects.count() == 0


MARKUP = "<script>alert(1)</script>"


def test_markup_typed_into_the_form_comes_back_as_text(client, filled_form):
    data = filled_form(
        name=MARKUP,
        email=MARKUP,
        phone=MARKUP,
        organisation=MARKUP,
        participants=MARKUP,
        preferred_times=MARKUP,
        message=MARKUP,
        website="",
        kind=MARKUP,
        format=MARKUP,
    )
    body = post_inquiry(client, data).content.decode()
    assert MARKUP not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert Inquiry.objects.count() == 0


def test_error_reports_hide_what_the_visitor_typed(client, filled_form, monkeypatch):
    """A crash while saving must not copy the inquiry into an error report (mail or debug page)."""
    caught = {}

    def keep(sender, request, **kwargs):
        caught["request"], caught["exc_info"] = request, sys.exc_info()

    def crash(**kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(StatusChange.objects, "create", crash)
    got_request_exception.connect(keep)
    try:
        with pytest.raises(RuntimeError):
            post_inquiry(client, filled_form(message="Salainen tilanne työpaikalla"))
    finally:
        got_request_exception.disconnect(keep)
    report = ExceptionReporter(caught["request"], *caught["exc_info"]).get_traceback_text()
    assert "submit_inquiry" in report  # The report does show where it failed...
    for private in ("Äiniö", "aino@example.fi", "040 123 4567", "Salainen tilanne"):
        assert private not in report  # ...but not what was typed.
