"""Invoicing: the organisations who pay for sessions (Laskutusasiakas), their prices, and the
invoices and credit notes issued to them.

An issued invoice never changes: it keeps its own copy of the seller, the buyer and every line,
so erasing a client's inquiry or changing a price leaves it as it was. Its rows cannot be
updated or deleted: save() and delete() refuse, and so does the database (triggers added by the
migration, on PostgreSQL and on SQLite). What happens to an invoice later is stored beside it:
its email in the outbox (Notification), its payment in InvoiceEvent. Numbers come from one
counter row locked per series (bookings.billing.services), so they run without gaps and never
repeat.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from stdnum.fi import ytunnus

from .meetings import MeetingType

VAT_RATE_DEFAULT = Decimal("25.5")
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half up (as the tax authority rounds), never a float."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_breakdown(lines) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, taxable amount, tax) per VAT rate: lines rounded once each, the tax once per rate."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0")) + line.net_amount
    return [(rate, money(base), money(base * rate / 100)) for rate, base in sorted(bases.items())]


def validate_ytunnus(value: str) -> None:
    if not ytunnus.is_valid(value or ""):
        raise ValidationError(_("Y-tunnus ei kelpaa: anna se muodossa 1234567-8."), code="ytunnus")


def validate_einvoice_address(value: str) -> None:
    """An OVT code (0037 + the y-tunnus digits + an optional suffix of up to 5 characters) or a
    Peppol participant ID (scheme:identifier, e.g. 0216:003712345678)."""
    value = (value or "").strip()
    if ":" in value:
        scheme, _sep, identifier = value.partition(":")
        if scheme.isdigit() and len(scheme) == 4 and identifier:
            return
    elif (
        value.startswith("0037")
        and 12 <= len(value) <= 17
        and ytunnus.is_valid(f"{value[4:11]}-{value[11]}")
    ):
        return
    raise ValidationError(
        _(
            "Verkkolaskuosoite ei kelpaa: anna OVT-tunnus (0037 ja y-tunnuksen numerot, "
            "esim. 003712345678) tai Peppol-tunnus (esim. 0216:003712345678)."
        ),
        code="einvoice_address",
    )


def invoice_day(value) -> str:
    """A date as an invoice prints it: 27.1.2027 in Finnish, 27 Jan 2027 in English (never the
    American 01/27/2027)."""
    if (get_language() or "fi").startswith("fi"):
        return f"{value.day}.{value.month}.{value.year}"
    return date_format(value, "j M Y")


class Language(models.TextChoices):
    FI = "fi", _("suomi")
    EN = "en", _("englanti")


class Payer(models.Model):
    """An organisation (or a private person) who pays for sessions: Laskutusasiakas."""

    class Delivery(models.TextChoices):
        EINVOICE = "einvoice", _("Verkkolasku")
        EMAIL = "email", _("PDF sähköpostilla")

    name = models.CharField(_("nimi"), max_length=200)
    business_id = models.CharField(
        _("y-tunnus"),
        max_length=9,
        blank=True,
        validators=[validate_ytunnus],
        help_text=_("Tyhjä vain, kun maksaja on yksityishenkilö."),
    )
    street = models.CharField(_("katuosoite"), max_length=200)
    postal_code = models.CharField(_("postinumero"), max_length=10)
    city = models.CharField(_("postitoimipaikka"), max_length=60)
    einvoice_address = models.CharField(
        _("verkkolaskuosoite"),
        max_length=60,
        blank=True,
        validators=[validate_einvoice_address],
        help_text=_(
            "OVT-tunnus (0037 + y-tunnuksen numerot + mahdollinen tarkenne) tai Peppol-tunnus."
        ),
    )
    einvoice_operator = models.CharField(
        _("välittäjätunnus"), max_length=35, blank=True, help_text=_("Esim. 003723327487.")
    )
    buyer_reference = models.CharField(
        _("viitteenne"),
        max_length=100,
        blank=True,
        help_text=_(
            "Asiakkaan tilaus- tai sopimusnumero, joka tulostuu jokaiseen laskuun "
            "(hyvinvointialueet vaativat sen)."
        ),
    )
    email = models.EmailField(
        _("sähköposti"), max_length=254, blank=True, help_text=_("PDF-laskujen osoite.")
    )
    delivery = models.CharField(
        _("laskun toimitus"), max_length=10, choices=Delivery.choices, default=Delivery.EINVOICE
    )
    price = models.DecimalField(
        _("hinta (alv 0 %)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Tapaamisen hinta ilman arvonlisäveroa; tapaamistyypeittäin alla."),
    )
    vat_rate = models.DecimalField(
        _("alv %"),
        max_digits=4,
        decimal_places=1,
        default=VAT_RATE_DEFAULT,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    payment_term_days = models.PositiveSmallIntegerField(
        _("maksuehto (päivää)"), default=14, validators=[MaxValueValidator(365)]
    )
    language = models.CharField(
        _("laskun kieli"), max_length=2, choices=Language.choices, default=Language.FI
    )
    bill_late_cancellations = models.BooleanField(_("myöhään perutut laskutetaan"), default=True)
    bill_no_shows = models.BooleanField(_("saapumatta jääneet laskutetaan"), default=True)
    name_participants = models.BooleanField(
        _("osallistujan nimi laskulle"),
        default=False,
        help_text=_("Laskurivillä näkyy osallistujan nimi; muuten vain tapaamisen päivä ja laji."),
    )
    created_at = models.DateTimeField(_("lisätty"), default=timezone.now)

    class Meta:
        verbose_name = _("laskutusasiakas")
        verbose_name_plural = _("laskutusasiakkaat")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_id"],
                condition=~Q(business_id=""),
                name="payer_unique_business_id",
            ),
            models.CheckConstraint(
                condition=~Q(delivery="email") | ~Q(email=""), name="payer_email_for_pdf"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.delivery == self.Delivery.EMAIL and not self.email:
            raise ValidationError({"email": _("PDF-laskut lähetetään sähköpostilla: anna osoite.")})

    def price_for(self, meeting_type: MeetingType) -> Decimal:
        for override in self.prices.all():
            if override.meeting_type_id == meeting_type.pk:
                return override.price
        return self.price


class PayerPrice(models.Model):
    """A payer's own price for one meeting type, where it differs from their usual price."""

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="prices")
    meeting_type = models.ForeignKey(
        MeetingType, verbose_name=_("tapaamistyyppi"), on_delete=models.CASCADE
    )
    price = models.DecimalField(
        _("hinta (alv 0 %)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("tapaamistyypin hinta")
        verbose_name_plural = _("tapaamistyyppien hinnat")
        constraints = [
            models.UniqueConstraint(fields=["payer", "meeting_type"], name="payer_price_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type}: {self.price}"


class InvoiceCounter(models.Model):
    """The next number of a series, locked while an invoice takes it."""

    series = models.CharField(max_length=20, primary_key=True)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("laskunumerosarja")
        verbose_name_plural = _("laskunumerosarjat")

    def __str__(self) -> str:
        return f"{self.series}: {self.next_number}"


class ImmutableRecord(Exception):
    """An issued invoice or one of its lines was to be changed or deleted."""


class InvoiceQuerySet(models.QuerySet):
    def with_state(self):
        return self.annotate(
            paid_on=models.Max("events__on", filter=Q(events__kind=InvoiceEvent.Kind.PAID)),
            # Sent by email through the outbox (bookings.outbox), once.
            sent_at=models.Max("notifications__sent_at"),
            credited=models.Exists(Invoice.objects.filter(credited_invoice=models.OuterRef("pk"))),
        )

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return (
            self.with_state()
            .filter(kind=Invoice.Kind.INVOICE, due_date__lt=today, paid_on__isnull=True)
            .exclude(credited=True)
        )

    def update(self, **kwargs):
        raise ImmutableRecord("An issued invoice cannot be changed.")

    def delete(self):
        raise ImmutableRecord("An issued invoice cannot be deleted.")


class Invoice(models.Model):
    """An issued invoice or credit note, with its own copy of everything it prints."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Lasku")
        CREDIT_NOTE = "credit_note", _("Hyvityslasku")

    class VatCategory(models.TextChoices):
        STANDARD = "S", _("Arvonlisäverollinen")
        EXEMPT = "E", _("Arvonlisäverosta vapautettu")

    number = models.PositiveIntegerField(_("numero"), unique=True)
    kind = models.CharField(_("laji"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("hyvitetty lasku"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    payer = models.ForeignKey(
        Payer, verbose_name=_("laskutusasiakas"), on_delete=models.PROTECT, related_name="invoices"
    )
    language = models.CharField(_("kieli"), max_length=2, choices=Language.choices)
    issue_date = models.DateField(_("laskun päivä"))
    due_date = models.DateField(_("eräpäivä"))
    period_start = models.DateField(_("jakso alkaa"))
    period_end = models.DateField(_("jakso päättyy"))
    reference = models.CharField(_("viitenumero"), max_length=25)
    currency = models.CharField(max_length=3, default="EUR")
    vat_category = models.CharField(max_length=1, choices=VatCategory.choices)
    vat_exemption_reason = models.CharField(max_length=200, blank=True)
    total_net = models.DecimalField(_("veroton summa"), max_digits=12, decimal_places=2)
    total_vat = models.DecimalField(_("arvonlisävero"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("yhteensä"), max_digits=12, decimal_places=2)
    # The seller as it was on the issue date.
    seller_name = models.CharField(max_length=200)
    seller_business_id = models.CharField(max_length=9)
    seller_vat_number = models.CharField(max_length=14, blank=True)
    seller_street = models.CharField(max_length=200, blank=True)
    seller_postal_code = models.CharField(max_length=10)
    seller_city = models.CharField(max_length=60)
    seller_email = models.CharField(max_length=254)
    seller_phone = models.CharField(max_length=30, blank=True)
    seller_iban = models.CharField(max_length=34)
    seller_bic = models.CharField(max_length=11)
    # The buyer as they were on the issue date.
    buyer_name = models.CharField(_("ostaja"), max_length=200)
    buyer_business_id = models.CharField(max_length=9, blank=True)
    buyer_street = models.CharField(max_length=200)
    buyer_postal_code = models.CharField(max_length=10)
    buyer_city = models.CharField(max_length=60)
    buyer_einvoice_address = models.CharField(max_length=60, blank=True)
    buyer_einvoice_operator = models.CharField(max_length=35, blank=True)
    buyer_reference = models.CharField(_("viitteenne"), max_length=100, blank=True)
    buyer_email = models.CharField(max_length=254, blank=True)
    delivery = models.CharField(_("toimitus"), max_length=10, choices=Payer.Delivery.choices)
    created_at = models.DateTimeField(_("luotu"), default=timezone.now)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("lasku")
        verbose_name_plural = _("laskut")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="invoice", credited_invoice__isnull=True)
                | Q(kind="credit_note", credited_invoice__isnull=False),
                name="invoice_credit_note_refers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("An issued invoice cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("An issued invoice cannot be deleted.")

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def buyer_endpoint(self) -> tuple[str, str]:
        """The buyer's electronic address for PEPPOL: (scheme, identifier). An OVT code is
        scheme 0216; without an e-invoice address, 0037 + the y-tunnus digits; a person without
        one, their email (scheme EM)."""
        address = self.buyer_einvoice_address
        if ":" in address:
            scheme, _sep, identifier = address.partition(":")
            return scheme, identifier
        if address:
            return "0216", address
        if self.buyer_business_id:
            return "0216", "0037" + self.buyer_business_id.replace("-", "")
        return "EM", self.buyer_email

    @property
    def seller_endpoint(self) -> tuple[str, str]:
        return "0216", "0037" + self.seller_business_id.replace("-", "")

    def vat_breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, taxable amount, tax) per VAT rate, each rounded once."""
        return vat_breakdown(self.lines.all())


class InvoiceLine(models.Model):
    """One line of an issued invoice: a session, its date and kind, its price; a copy."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    # The session it bills, by its calendar UID: not a foreign key, so deleting the meeting
    # with its inquiry leaves the line as it is, and the meeting is still known as billed.
    meeting_uid = models.CharField(max_length=100, blank=True, db_index=True)
    service_date = models.DateField(_("päivä"))
    description = models.CharField(_("kuvaus"), max_length=300)
    quantity = models.DecimalField(_("määrä"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("yksikköhinta"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("alv %"), max_digits=4, decimal_places=1)
    net_amount = models.DecimalField(_("veroton"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("laskurivi")
        verbose_name_plural = _("laskurivit")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_once"),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("An issued invoice line cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("An issued invoice line cannot be deleted.")


class InvoiceEvent(models.Model):
    """What happened to an issued invoice afterwards: paid. (Its email is in the outbox.)"""

    class Kind(models.TextChoices):
        PAID = "paid", _("Maksettu")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("tapahtuma"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("päivä"))
    at = models.DateTimeField(_("kirjattu"), default=timezone.now)
    note = models.CharField(_("huomautus"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("laskun tapahtuma")
        verbose_name_plural = _("laskun tapahtumat")
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind"], condition=Q(kind="paid"), name="invoice_paid_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%d.%m.%Y}"
