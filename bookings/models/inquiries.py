"""Inquiries from prospective clients and the queue Henna works through in the admin.

Confidential: nothing here is ever copied into an email, a log line or an error report.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length, Upper
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.models import Goal, PrivacyNotice

MESSAGE_MAX_LENGTH = 2000
PARTICIPANTS_MIN = 2
PARTICIPANTS_MAX = 200


def new_reference() -> str:
    # Short enough to read over the phone, random so that it says nothing about volumes.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


# Providers whose addresses ignore dots in the local part: j.ohn@gmail.com is john@gmail.com.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches, for counting bookings per person: lower case, without a
    +tag (mallory+1@example.fi is mallory@example.fi), and for Gmail without dots."""
    local, _at, domain = email.strip().lower().rpartition("@")
    if not local:
        return email.strip().lower()
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


class InquiryQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Inquiry.OPEN_STATUSES)

    def for_email(self, email: str):
        return self.filter(email__iexact=email.strip())


class Inquiry(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Yksilötyönohjaus")
        GROUP = "group", _("Ryhmätyönohjaus (tiimi tai ryhmä)")
        COMMUNITY = "community", _("Työyhteisön työnohjaus")
        INTRO = "intro", _("Ensin tutustumistapaaminen")

    class Format(models.TextChoices):
        KOTKA = "kotka", _("Tapaamiset Kotkassa")
        REMOTE = "remote", _("Etätapaamiset")
        WORKPLACE = "workplace", _("Asiakkaan työpaikalla")

    class Status(models.TextChoices):
        NEW = "new", _("Uusi")
        CONTACTED = "contacted", _("Yhteydessä")
        MEETING = "meeting", _("Tapaaminen sovittu")
        CLIENT = "client", _("Asiakkuus alkanut")
        CLOSED = "closed", _("Suljettu")
        SPAM = "spam", _("Roskaposti")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.MEETING)
    # Kinds where several people take part: organisation and participant count are asked.
    GROUP_KINDS = (Kind.GROUP, Kind.COMMUNITY)

    reference = models.CharField(
        _("viite"), max_length=12, unique=True, default=new_reference, editable=False
    )
    submission_id = models.UUIDField(
        _("lähetystunniste"),
        unique=True,
        null=True,
        editable=False,
        help_text=_("Sama lomake lähetettynä kahdesti tuottaa yhden yhteydenoton."),
    )
    kind = models.CharField(_("työnohjauksen muoto"), max_length=20, choices=Kind.choices)
    # A booking's inquiry has the kind INTRO; this is what the client is considering.
    considered_kind = models.CharField(
        _("harkittu työnohjauksen muoto"),
        max_length=20,
        choices=[(k.value, k.label) for k in (Kind.INDIVIDUAL, Kind.GROUP, Kind.COMMUNITY)],
        blank=True,
    )
    name = models.CharField(_("nimi"), max_length=150)
    email = models.EmailField(_("sähköposti"), max_length=254)
    # mailbox_key(email): kept with the address, whoever saves it (save()).
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("puhelin"), max_length=30, blank=True)
    organisation = models.CharField(_("organisaatio"), max_length=200, blank=True)
    # Who pays for the sessions; what the client typed above stays as it is.
    payer = models.ForeignKey(
        "bookings.Payer",
        verbose_name=_("laskutusasiakas"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
        help_text=_("Kuka maksaa tapaamiset. Valitse tai lisää organisaation mukaan."),
    )
    participants = models.PositiveSmallIntegerField(
        _("osallistujia"),
        null=True,
        blank=True,
        validators=[MinValueValidator(PARTICIPANTS_MIN), MaxValueValidator(PARTICIPANTS_MAX)],
    )
    goals = models.ManyToManyField(Goal, verbose_name=_("tavoitteet"), blank=True)
    format = models.CharField(
        _("toivottu toteutustapa"), max_length=20, choices=Format.choices, blank=True
    )
    preferred_times = models.CharField(_("toivotut ajat"), max_length=500, blank=True)
    message = models.TextField(_("viesti"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    language = models.CharField(
        _("kieli"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    privacy_notice = models.ForeignKey(
        PrivacyNotice,
        verbose_name=_("hyväksytty tietosuojaseloste"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    client_key = models.CharField(
        _("lähettäjän tunniste"),
        max_length=64,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Salattu tiiviste lähettäjän osoitteesta; vain rajoittamaan lähetysmääriä."),
    )
    status = models.CharField(
        _("tila"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    created_at = models.DateTimeField(_("vastaanotettu"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("viimeksi käsitelty"), auto_now=True)
    client_ended_at = models.DateTimeField(
        _("asiakkuus päättyi"),
        null=True,
        blank=True,
        help_text=_("Säilytysaika lasketaan tästä päivästä, jos asiakkuus alkoi."),
    )

    objects = InquiryQuerySet.as_manager()

    class Meta:
        verbose_name = _("yhteydenotto")
        verbose_name_plural = _("yhteydenotot")
        ordering = ["created_at"]
        # Viewing an inquiry in the admin is one thing, taking personal data out of it another.
        permissions = [("export_inquiry", _("Voi viedä yhteydenottoja tiedostoon"))]
        # The two-bookings rule and the resent check look an address up case-insensitively
        # (email__iexact, UPPER(email) on PostgreSQL): without this a booking read every inquiry.
        indexes = [models.Index(Upper("email"), name="inquiry_email_upper")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participants__isnull=True)
                | models.Q(participants__gte=PARTICIPANTS_MIN, participants__lte=PARTICIPANTS_MAX),
                name="inquiry_participants_range",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), MESSAGE_MAX_LENGTH),
                name="inquiry_message_length",
            ),
        ]

    def __str__(self) -> str:
        return _("Yhteydenotto %(reference)s") % {"reference": self.reference}

    def save(self, *args, **kwargs):
        self.email_key = mailbox_key(self.email)
        if kwargs.get("update_fields") is not None and "email" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "email_key"}
        super().save(*args, **kwargs)

    def get_admin_url(self) -> str:
        return reverse("admin:bookings_inquiry_change", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class InquiryNote(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kirjoittaja"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
    )
    text = models.TextField(_("muistiinpano"), max_length=5000)
    created_at = models.DateTimeField(_("kirjoitettu"), auto_now_add=True)

    class Meta:
        verbose_name = _("sisäinen muistiinpano")
        verbose_name_plural = _("sisäiset muistiinpanot")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return _("Muistiinpano %(date)s") % {
            "date": f"{timezone.localtime(self.created_at):%d.%m.%Y}"
        }


class StatusChange(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("tilasta"), max_length=20, choices=Inquiry.Status.choices, blank=True
    )
    to_status = models.CharField(_("tilaan"), max_length=20, choices=Inquiry.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("muuttaja"),
        on_delete=models.SET_NULL,
        null=True,
    )
    changed_at = models.DateTimeField(_("muutettu"), default=timezone.now)

    class Meta:
        verbose_name = _("tilamuutos")
        verbose_name_plural = _("tilahistoria")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Notification(models.Model):
    """An email about an inquiry or its meeting. Rows stay pending until the email has gone out.

    The email is rendered when it is sent, from the inquiry: nothing personal is stored here.
    """

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "ack", _("Vahvistus asiakkaalle")
        STAFF = "staff", _("Ilmoitus Hennalle")
        # About a meeting: one of each per version (SEQUENCE) of the meeting.
        INVITATION = "invite", _("Kalenterikutsu asiakkaalle")
        CANCELLATION = "cancel", _("Peruutus asiakkaalle")
        REMINDER = "reminder", _("Muistutus asiakkaalle")
        STAFF_MEETING = "staff_mtg", _("Tapaamisilmoitus Hennalle")
        # An invoice's PDF to the organisation that takes it by email: once per invoice.
        INVOICE = "invoice", _("Lasku sähköpostilla")
        CONFIRM_REQUEST = "confirm", _("Varauksen vahvistuspyyntö asiakkaalle")

    INQUIRY_KINDS = (Kind.ACKNOWLEDGEMENT, Kind.STAFF)

    # None for an invoice's email, which belongs to no inquiry (and outlives them).
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("viesti"), max_length=10, choices=Kind.choices)
    invoice = models.ForeignKey(
        "bookings.Invoice",
        verbose_name=_("lasku"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    meeting = models.ForeignKey(
        "bookings.Meeting",
        verbose_name=_("tapaaminen"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # The meeting's SEQUENCE this email is about: a moved meeting gets its emails anew.
    sequence = models.PositiveIntegerField(_("tapaamisen versio"), default=0)
    created_at = models.DateTimeField(_("luotu"), auto_now_add=True)
    sent_at = models.DateTimeField(_("lähetetty"), null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("yrityksiä"), default=0)
    last_error = models.CharField(
        _("viimeisin virhe"),
        max_length=200,
        blank=True,
        help_text=_("Vain virheen tyyppi, ei viestin sisältöä."),
    )
    # Claim-send-record (bookings.outbox.worker): set, and committed, before the mail server is
    # spoken to; a claim older than the lease belongs to a sender that died and may be taken.
    claimed_at = models.DateTimeField(_("lähetys aloitettu"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("viimeisin yritys"), null=True, blank=True)
    gave_up_at = models.DateTimeField(
        _("lähettäminen lopetettu"),
        null=True,
        blank=True,
        help_text=_(
            "Sähköpostipalvelin hylkäsi vastaanottajan pysyvästi (esimerkiksi osoitetta ei ole) "
            "tai viestiä yritettiin lähettää kymmenen kertaa, joten sitä ei yritetä enää "
            "uudelleen."
        ),
    )

    class Meta:
        verbose_name = _("sähköposti-ilmoitus")
        verbose_name_plural = _("sähköposti-ilmoitukset")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inquiry", "kind"],
                condition=models.Q(meeting__isnull=True),
                name="one_notification_per_kind",
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind", "sequence"],
                condition=models.Q(meeting__isnull=False),
                name="one_meeting_notification_per_version",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(invoice__isnull=False),
                name="one_email_per_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(inquiry__isnull=False) | models.Q(invoice__isnull=False),
                name="notification_about_something",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class PrivacyLog(models.Model):
    """One access, export or erasure of a person's data, or one run of the retention purge.

    The address is kept only as a keyed hash: enough to see that the same address asked before,
    of no use to anyone who reads the table.
    """

    class Action(models.TextChoices):
        ACCESS = "access", _("Tietojen tarkastus")
        EXPORT = "export", _("Tietojen vienti (JSON)")
        ERASURE = "erasure", _("Tietojen poisto pyynnöstä")
        PURGE = "purge", _("Poisto säilytysajan päätyttyä")

    action = models.CharField(_("toimenpide"), max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(_("aika"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tekijä"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # The user row may be deleted one day; the log must still say who acted.
    username = models.CharField(_("käyttäjätunnus"), max_length=150, blank=True)
    rows = models.PositiveIntegerField(_("rivejä"), default=0)
    email_hash = models.CharField(
        _("osoitteen tiiviste"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_(
            "Avaimella laskettu tiiviste sähköpostiosoitteesta; itse osoitetta ei tallenneta."
        ),
    )

    class Meta:
        verbose_name = _("tietosuojaloki")
        verbose_name_plural = _("tietosuojaloki")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"
