"""The practice's content, which Henna edits in the admin.

Translated fields (see translation.py) get a column per language; the Finnish one is the source
and the English one falls back to it while empty.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .validators import (
    international_phone,
    normalize_phone,
    validate_bic,
    validate_business_id,
    validate_iban,
    validate_phone,
)


class Practice(models.Model):
    """The practice's contact details: one record, shown in every page's footer."""

    name = models.CharField(_("nimi"), max_length=100)
    street_address = models.CharField(
        _("katuosoite"),
        max_length=100,
        blank=True,
        # Filled by the database too: the older data migrations (and the tests that run them
        # again) insert the contact details without it.
        db_default="",
        help_text=_("Esimerkiksi Keskuskatu 10 B 5. Näkyy yhteystiedoissa ja kalenterikutsuissa."),
    )
    district = models.CharField(_("kaupunginosa"), max_length=100, blank=True)
    postal_code = models.CharField(_("postinumero"), max_length=10)
    city = models.CharField(_("postitoimipaikka"), max_length=60)
    email = models.EmailField(
        _("sähköposti"),
        max_length=254,
        help_text=_("Näkyy sivustolla; tähän tulevat myös ilmoitukset uusista yhteydenotoista."),
    )
    phone = models.CharField(
        _("puhelin"),
        max_length=30,
        validators=[validate_phone],
        help_text=_("Tutussa muodossa, esimerkiksi 045 7835 4299. Soittolinkki tehdään siitä."),
    )
    business_id = models.CharField(_("y-tunnus"), max_length=9, validators=[validate_business_id])
    reply_time = models.CharField(
        _("vastausaika"),
        max_length=200,
        help_text=_("Kiitossivulle ja vahvistusviestiin, esim. kahden arkipäivän kuluessa."),
    )
    iban = models.CharField(
        _("IBAN"),
        max_length=34,
        blank=True,
        # Database defaults: the content's data migrations insert the row with older states.
        db_default="",
        validators=[validate_iban],
        help_text=_("Tili, jolle laskut maksetaan."),
    )
    bic = models.CharField(
        _("BIC"), max_length=11, blank=True, db_default="", validators=[validate_bic]
    )
    vat_registered = models.BooleanField(
        _("arvonlisäverovelvollinen"),
        db_default=True,
        help_text=_(
            "Pois päältä: laskut ilman arvonlisäveroa, perusteena vähäinen toiminta "
            "(arvonlisäverolaki 3 §)."
        ),
    )
    area_served = models.CharField(
        _("toiminta-alue"),
        max_length=200,
        blank=True,
        help_text=_("Esimerkiksi: Kotka ja Kymenlaakso, etänä koko Suomi."),
    )

    class Meta:
        verbose_name = _("yhteystiedot")
        verbose_name_plural = _("yhteystiedot")
        constraints = [
            # One record only: the primary key is always 1.
            models.CheckConstraint(condition=models.Q(pk=1), name="practice_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @property
    def postal_address(self) -> str:
        street = "".join(f"{part}, " for part in (self.street_address, self.district) if part)
        return f"{street}{self.postal_code} {self.city}"

    @property
    def phone_display(self) -> str:
        """The number for the page or email being written: as Henna typed it in Finnish, with
        +358 in any other language (its reader may call from abroad). Links use phone_uri,
        always international."""
        if (get_language() or "fi").startswith("fi"):
            return self.phone
        return international_phone(self.phone)

    @property
    def phone_uri(self) -> str:
        return "tel:" + normalize_phone(self.phone)

    @classmethod
    def load(cls) -> "Practice":
        return cls.objects.get(pk=1)


class ServiceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def with_content(self):
        return self.prefetch_related("sections", "goals", "methods")


class Service(models.Model):
    """A service page; the main one is the home page."""

    title = models.CharField(_("otsikko"), max_length=120)
    slug = models.SlugField(
        _("osoite"),
        max_length=80,
        unique=True,
        help_text=_("Sivun osoite, esimerkiksi coaching → /palvelut/coaching/."),
    )
    is_main = models.BooleanField(
        _("etusivu"), default=False, help_text=_("Etusivulla näytetään tämä palvelu.")
    )
    published = models.BooleanField(_("julkaistu"), default=True)
    headline = models.CharField(_("iskulause"), max_length=200, blank=True)
    lead = models.TextField(_("johdanto"), max_length=2000, blank=True)
    goals_intro = models.CharField(_("tavoitteiden johdanto"), max_length=300, blank=True)
    duration_heading = models.CharField(_("keston otsikko"), max_length=120, blank=True)
    duration_text = models.TextField(_("kesto"), max_length=2000, blank=True)
    not_therapy_note = models.TextField(_("mitä työnohjaus ei ole"), max_length=1000, blank=True)
    methods_intro = models.CharField(_("menetelmien johdanto"), max_length=300, blank=True)
    seo_title = models.CharField(
        _("hakukoneotsikko"),
        max_length=70,
        blank=True,
        help_text=_("Selaimen välilehdellä ja hakutuloksissa. Tyhjänä käytetään otsikkoa."),
    )
    seo_description = models.CharField(
        _("hakukonekuvaus"),
        max_length=160,
        blank=True,
        help_text=_("Lyhyt kuvaus hakutuloksiin, enintään 160 merkkiä."),
    )
    updated_at = models.DateTimeField(_("muokattu"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("palvelusivu")
        verbose_name_plural = _("palvelusivut")
        ordering = ["-is_main", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_main"], condition=models.Q(is_main=True), name="one_main_service"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.is_main:
            return reverse("services:home")
        return reverse("services:detail", kwargs={"slug": self.slug})


class OrderedItem(models.Model):
    order = models.PositiveSmallIntegerField(_("järjestys"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class Section(OrderedItem):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("otsikko"), max_length=200)
    body = models.TextField(
        _("teksti"), max_length=5000, help_text=_("Kappaleet erotetaan tyhjällä rivillä.")
    )

    class Meta(OrderedItem.Meta):
        verbose_name = _("osio")
        verbose_name_plural = _("osiot")

    def __str__(self) -> str:
        return self.heading

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


class Goal(OrderedItem):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("tavoite"), max_length=200)

    class Meta(OrderedItem.Meta):
        verbose_name = _("tavoite")
        verbose_name_plural = _("tavoitteet")

    def __str__(self) -> str:
        return self.text


class Method(OrderedItem):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="methods")
    text = models.CharField(_("menetelmä"), max_length=300)

    class Meta(OrderedItem.Meta):
        verbose_name = _("menetelmä")
        verbose_name_plural = _("menetelmät")

    def __str__(self) -> str:
        return self.text


class Page(models.Model):
    """A simple page: the inquiry page's texts, the thank-you page, the accessibility statement."""

    class Key(models.TextChoices):
        INQUIRY = "inquiry", _("Yhteydenottosivu")
        THANKS = "thanks", _("Kiitossivu")
        ACCESSIBILITY = "accessibility", _("Saavutettavuusseloste")

    key = models.CharField(_("sivu"), max_length=20, choices=Key.choices, unique=True)
    title = models.CharField(_("otsikko"), max_length=120)
    intro = models.TextField(_("johdanto"), max_length=2000, blank=True)
    body = models.TextField(
        _("teksti"),
        max_length=10000,
        blank=True,
        help_text=_("Kappaleet erotetaan tyhjällä rivillä; rivi, joka alkaa ## , on väliotsikko."),
    )
    seo_title = models.CharField(_("hakukoneotsikko"), max_length=70, blank=True)
    seo_description = models.CharField(_("hakukonekuvaus"), max_length=160, blank=True)
    updated_at = models.DateTimeField(_("muokattu"), auto_now=True)

    class Meta:
        verbose_name = _("sivu")
        verbose_name_plural = _("sivut")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title


class PrivacyNoticeQuerySet(models.QuerySet):
    def current(self) -> "PrivacyNotice | None":
        return self.order_by("-version").first()


class PrivacyNotice(models.Model):
    """The privacy notice. Every edit in the admin saves a new version; old ones are kept.

    The body may name the retention periods as {retention_months},
    {retention_months_after_client}, {retention_days_spam} and {retention_days_login}: the page
    shows the values in force from the settings.
    {practice_name}, {business_id}, {address}, {email} and {phone} come from the contact details.
    """

    version = models.PositiveIntegerField(_("versio"), unique=True, editable=False)
    title = models.CharField(_("otsikko"), max_length=120)
    body = models.TextField(
        _("teksti"),
        max_length=20000,
        help_text=_(
            "Kappaleet erotetaan tyhjällä rivillä; rivi, joka alkaa ## , on väliotsikko. "
            "{retention_months}, {retention_months_after_client}, {retention_days_spam} ja "
            "{retention_days_login} korvautuvat asetusten säilytysajoilla; {practice_name}, "
            "{business_id}, {address}, {email} ja {phone} yhteystiedoilla."
        ),
    )
    seo_description = models.CharField(_("hakukonekuvaus"), max_length=160, blank=True)
    published_at = models.DateTimeField(_("julkaistu"), auto_now_add=True)

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("tietosuojaseloste")
        verbose_name_plural = _("tietosuojaselosteen versiot")
        ordering = ["-version"]

    def __str__(self) -> str:
        return _("%(title)s, versio %(version)s") % {"title": self.title, "version": self.version}

    def get_absolute_url(self) -> str:
        return reverse("services:privacy")
