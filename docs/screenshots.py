"""Take the screenshots of Henna's guide (docs/ohje.md) again. Not run by the tests.

Against a development server with a database of its own, so that the sample inquiries this
script adds never reach real data:

    export DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/aventuria-ohje.sqlite3
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py runserver 127.0.0.1:8765 &
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8765

The script adds a user "ohje", a handful of made-up inquiries and a made-up booking when they are
missing, then saves 1280 x 800 PNG files in docs/img/: all of them, or only those named after
the address (`... http://127.0.0.1:8765 laskut lasku`).
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
USERNAME = "ohje"

SAMPLES = [
    # name, email, kind, organisation, participants, status, days ago, message
    ("Minna Virtanen", "minna@example.fi", "individual", "", None, "new", 1, "Esihenkilötyö"),
    ("Jukka Lahtinen", "jukka@example.fi", "group", "Kotkan Satama Oy", 8, "new", 3, "Tiimi"),
    ("Sari Mäkelä", "sari@example.fi", "community", "Karhulan koulu", 24, "contacted", 6, "Koulu"),
    ("Pekka Nieminen", "pekka@example.fi", "intro", "", None, "meeting", 9, "Tutustuminen"),
    ("Leena Koskinen", "leena@example.fi", "individual", "", None, "client", 40, "Jaksaminen"),
    ("Osta halvalla", "bot@example.com", "individual", "", None, "spam", 2, "http://spam"),
]


def setup_django() -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aventuria.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bookings.inquiries import services
    from bookings.models import Inquiry, InquiryNote

    password = secrets.token_urlsafe(16)
    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(password)
    user.save()
    for name, email, kind, organisation, participants, status, days, message in SAMPLES:
        if Inquiry.objects.filter(email=email).exists():
            continue
        inquiry, _ = services.submit_inquiry(
            submission_id=None,
            kind=kind,
            name=name,
            email=email,
            organisation=organisation,
            participants=participants,
            format="kotka",
            message=message,
            is_spam=status == "spam",
        )
        if status not in ("new", "spam"):
            services.change_status(inquiry=inquiry, status=status, user=user)
            InquiryNote.objects.create(
                inquiry=inquiry, author=user, text="Soitin ja sovimme tapaamisesta."
            )
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=timezone.now() - timedelta(days=days, hours=2)
        )
    add_calendar_samples()
    add_sample_booking(user)
    add_billing_samples()
    return password


def add_sample_booking(user) -> None:
    """A booking made on the site, then moved by Henna: the meeting page shows its history."""
    from bookings.models import Meeting, MeetingType
    from bookings.scheduling import availability, meetings

    if Meeting.objects.filter(inquiry__email="tuuli@example.fi").exists():
        return
    meeting_type = MeetingType.objects.filter(bookable_online=True).first()
    day = availability.first_bookable_day(meeting_type)
    free = []
    while len(free) < 4:
        free += availability.free_slots(
            meeting_type, availability.Window(day, day + timedelta(days=6))
        )
        day += timedelta(days=7)
    meeting, _ = meetings.book_meeting(
        submission_id=None,
        meeting_type=meeting_type,
        start=free[0],
        place="remote",
        name="Tuuli Järvinen",
        email="tuuli@example.fi",
        considered_kind="individual",
        language="fi",
    )
    meetings.move_meeting(meeting=meeting, new_start=free[3], user=user)


def add_billing_samples() -> None:
    """Two paying organisations, a county by e-invoice and a company by email, each with a
    client and last month's sessions (made directly: they are in the past, which the booking
    write path would refuse), and the seller's bank details."""
    from datetime import datetime
    from decimal import Decimal

    from django.utils import timezone

    from bookings.models import Inquiry, Meeting, MeetingType, Payer
    from services.models import Practice

    practice = Practice.objects.get()
    if not practice.iban:
        practice.iban, practice.bic = "FI4950009420028730", "OKOYFIHH"
        practice.save()
    if Payer.objects.exists():
        return
    county = Payer.objects.create(
        name="Kymenlaakson hyvinvointialue",
        business_id="3221331-8",
        street="Kotkantie 41",
        postal_code="48210",
        city="Kotka",
        einvoice_address="003732213318",
        einvoice_operator="003723327487",
        buyer_reference="TIL-2027-0042",
        price=Decimal("150.00"),
        payment_term_days=21,
    )
    company = Payer.objects.create(
        name="Kotkan Satama Oy",
        business_id="1926008-0",
        street="Laivurinkatu 3",
        postal_code="48100",
        city="Kotka",
        email="laskut@satama.example",
        delivery=Payer.Delivery.EMAIL,
        price=Decimal("120.00"),
    )
    meeting_type = MeetingType.objects.first()
    first = timezone.localdate().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    for payer, name, email, days in (
        (county, "Anna Salo", "anna@example.fi", (3, 17)),
        (company, "Jukka Lahtinen", "jukka@example.fi", (9, 23)),
    ):
        inquiry = Inquiry.objects.filter(email=email).first() or Inquiry.objects.create(
            kind="individual", status="client", name=name, email=email
        )
        Inquiry.objects.filter(pk=inquiry.pk).update(payer=payer, organisation=payer.name)
        for day in days:
            start = timezone.make_aware(
                datetime.combine(last_month + timedelta(days=day), datetime.min.time())
            ) + timedelta(hours=10)
            meeting = Meeting(
                inquiry=inquiry,
                meeting_type=meeting_type,
                start=start,
                end=start + meeting_type.duration,
                place="kotka",
                status="held",
            )
            meeting.save()


def add_calendar_samples() -> None:
    """A fortnight of made-up meetings, some busy times and a saved calendar address."""
    from datetime import datetime, time

    from django.utils import timezone

    from bookings.models import BusyInterval, CalendarSync, Inquiry, Meeting, MeetingType

    if Meeting.objects.exists():
        return
    meeting_type = MeetingType.objects.get(name_fi="Tutustumistapaaminen")
    today = timezone.localdate()
    inquiries = list(Inquiry.objects.exclude(status="spam"))

    def at(days: int, hour: int, minute: int = 0):
        day = today + timedelta(days=days)
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    for n, (days, hour, minute, place) in enumerate(
        [
            (0, 10, 0, "kotka"),
            (0, 14, 30, "remote"),
            (1, 9, 0, "remote"),
            (2, 13, 0, "kotka"),
            (7, 10, 0, "phone"),
            (8, 15, 0, "kotka"),
            (14, 12, 0, "remote"),
        ]
    ):
        start = at(days, hour, minute)
        Meeting.objects.create(
            inquiry=inquiries[n % len(inquiries)],
            meeting_type=meeting_type,
            start=start,
            end=start + timedelta(minutes=45),
            place=place,
        )
    BusyInterval.objects.bulk_create(
        [
            BusyInterval(start=at(0, 12), end=at(0, 13)),
            BusyInterval(start=at(1, 16), end=at(1, 17, 30)),
            BusyInterval(start=at(9, 0), end=at(10, 0)),
        ]
    )
    now = timezone.now()
    CalendarSync.objects.update_or_create(
        pk=1,
        defaults={
            "source_url": "https://calendar.google.com/calendar/ical/"
            "henna%40example.fi/private-0a1b2c3d4e5f/basic.ics",
            "last_attempt_at": now - timedelta(minutes=2),
            "last_success_at": now - timedelta(minutes=2),
        },
    )


def main(base: str, only: set[str]) -> None:
    from playwright.sync_api import sync_playwright

    password = setup_django()
    from bookings.models import Inquiry, Invoice, Meeting, Payer

    contacted = Inquiry.objects.get(email="sari@example.fi")
    meeting = Meeting.objects.get(inquiry__email="tuuli@example.fi")
    group = Inquiry.objects.filter(kind="group").first()
    service = home_service()
    county = Payer.objects.get(business_id="3221331-8")
    invoiced = Invoice.objects.exists()
    IMG.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fi-FI")

        def shot(name: str, **kwargs) -> None:
            if only and name not in only:
                return
            page.screenshot(path=IMG / f"{name}.png", **kwargs)

        page.goto(base + "/yhteydenotto/")
        shot("lomake")
        page.goto(base + "/ajanvaraus/")
        shot("ajanvaraus")

        log_in(page, base, password)
        shot("etusivu")
        # The side menu folds away (the browser remembers it), leaving room for the queue.
        page.goto(base + "/admin/bookings/inquiry/")
        page.locator("#toggle-nav-sidebar").click()

        page.goto(base + "/admin/services/practice/1/change/")
        shot("yhteystiedot")

        page.goto(base + "/admin/bookings/inquiry/")
        shot("jono")
        page.set_viewport_size({"width": 390, "height": 844})
        shot("jono-puhelin")
        page.set_viewport_size({"width": 1280, "height": 800})

        page.locator("select[name=action]").select_option("export_csv")
        page.locator("#result_list tbody input.action-select").first.check()
        shot("toiminnot", clip={"x": 0, "y": 0, "width": 1280, "height": 500})

        page.goto(base + f"/admin/bookings/inquiry/{contacted.pk}/change/")
        shot("yhteydenotto")
        page.locator("#notes-group").evaluate("element => element.scrollIntoView()")
        shot("muistiinpanot")

        page.goto(base + f"/admin/bookings/meetingtype/{meeting.meeting_type_id}/change/")
        shot("tapaamistyyppi")
        page.goto(base + "/admin/bookings/weeklyhours/")
        shot("vastaanottoajat")
        page.goto(base + "/admin/bookings/availabilityexception/add/")
        page.locator("#id_kind").select_option("off")
        page.locator("#id_note").fill("Koulutus")
        shot("poikkeus")
        page.goto(base + f"/admin/bookings/meeting/{meeting.pk}/change/")
        shot("tapaaminen", full_page=True)
        # A move onto a holiday: the page before the client's email, with its warning.
        page.locator("#id_start_0").fill("06.01.2027")
        page.locator("#id_start_1").fill("10.00")
        page.get_by_role("button", name="Tallenna ja poistu").click()
        shot("vahvistus")
        page.goto(base + f"/admin/bookings/inquiry/{group.pk}/varaa/")
        page.locator("#id_meeting_type").select_option(label="Ryhmätyönohjaus")
        page.locator("#id_count").fill("10")
        page.locator("#id_every_weeks").fill("4")
        page.get_by_role("button", name="Esikatsele ajat").click()
        shot("sarja", full_page=True)
        page.goto(base + "/admin/viikko/")
        shot("viikkonakyma")
        page.goto(base + "/admin/bookings/calendarsync/1/change/")
        shot("oma-kalenteri")
        page.goto(base + "/admin/bookings/calendarfeed/1/change/")
        page.get_by_role("button", name="Luo uusi osoite").click()
        page.get_by_role("button", name="Kopioi").first.wait_for()  # shown by its script
        shot("kalenteri-osoite")

        page.goto(base + "/admin/bookings/payer/")
        shot("laskutusasiakkaat")
        page.goto(base + f"/admin/bookings/payer/{county.pk}/change/")
        shot("laskutusasiakas", full_page=True)
        page.goto(base + "/admin/bookings/payer/import/")
        shot("laskutusasiakkaat-tuonti")
        page.goto(base + "/admin/bookings/invoice/month/")
        shot("laskuta-kuukausi")
        if not invoiced:
            page.get_by_role("button", name="Luo laskut").click()
        page.goto(base + "/admin/bookings/invoice/")
        shot("laskut")
        page.locator("#result_list tbody th a").last.click()  # the first invoice, the county's
        shot("lasku", full_page=True)
        history_screenshots(page, base, shot, service)
        browser.close()


def log_in(page, base: str, password: str) -> None:
    page.goto(base + "/admin/")
    page.get_by_label("Käyttäjätunnus").fill(USERNAME)
    page.get_by_label("Salasana").fill(password)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(base + "/admin/")


def home_service() -> tuple[int, str]:
    from services.models import Service

    service = Service.objects.get(is_main=True)
    return service.pk, service.headline_fi


def history_screenshots(page, base: str, shot, service: tuple[int, str]) -> None:
    """Muutoshistoria ja esikatselu: two saves of the home page's headline, its history, the
    comparison, and the preview of a third change that is not saved."""
    pk, original = service
    change = base + f"/admin/services/service/{pk}/change/"
    for headline in ("Työnohjausta Kotkassa ja etänä", original):
        page.goto(change)
        page.locator("#id_headline_fi").fill(headline)
        page.locator("input[name=_save]").click()
        page.wait_for_load_state()
    page.goto(change + "../history/")
    shot("muutoshistoria")
    page.get_by_role("button", name="Vertaa valittuja versioita").click()
    shot("vertailu", full_page=True)
    page.goto(change)
    page.locator("#id_headline_fi").fill("Luottamuksellista työnohjausta")
    page.locator(".preview-row").scroll_into_view_if_needed()
    shot("esikatsele-painikkeet")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Esikatsele suomeksi").click()
    preview = opened.value
    preview.wait_for_load_state()
    preview.set_viewport_size({"width": 1280, "height": 800})
    preview.screenshot(path=IMG / "esikatselu.png")
    preview.close()


def main_history(base: str) -> None:
    """Only the history's pictures: `docs/screenshots.py URL historia`."""
    from playwright.sync_api import sync_playwright

    password = setup_django()
    service = home_service()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fi-FI")
        log_in(page, base, password)

        def shot(name: str, **kwargs) -> None:
            page.screenshot(path=IMG / f"{name}.png", **kwargs)

        history_screenshots(page, base, shot, service)
        browser.close()


if __name__ == "__main__":
    url = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8765"
    if sys.argv[2:] == ["historia"]:
        main_history(url)
    else:
        main(url, set(sys.argv[2:]))
