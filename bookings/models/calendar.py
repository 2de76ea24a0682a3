"""Henna's own calendar, both ways.

CalendarSync: the secret iCalendar address of her own calendar (Google, Outlook, iCloud) and how
its last fetch went; BusyInterval: the busy times read from it, start and end only (never a title,
a description or who else is there), which the slot engine leaves out of the offered times.

CalendarFeed: the secret address of the feed of her meetings that her phone's calendar
subscribes to. Only a hash of its token is stored.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from django.core.validators import URLValidator
from django.db import models
from django.db.models import CharField, F, Func, Q
from django.utils.translation import gettext_lazy as _

SOURCE_URL_MAX_LENGTH = 2000


class SingletonModel(models.Model):
    """A model with exactly one row (pk 1), made on first use."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class CalendarSync(SingletonModel):
    """Where Henna's own calendar is read from, and how the last fetch went."""

    source_url = models.CharField(
        _("kalenterin salainen iCal-osoite"),
        max_length=SOURCE_URL_MAX_LENGTH,
        blank=True,
        # webcal:// is what iCloud and many others hand out: the same address over HTTPS.
        validators=[
            URLValidator(
                schemes=["http", "https", "webcal"],
                message=_("Anna osoite, joka alkaa https://, http:// tai webcal://."),
            )
        ],
        help_text=_(
            "Oman kalenterisi salainen osoite iCal-muodossa (Google: Asetukset → kalenteri → "
            "Salainen osoite iCal-muodossa). Sivusto lukee siitä vain varatut ajat, ei "
            "tapahtumien nimiä eikä kuvauksia. Tyhjä: omaa kalenteria ei lueta."
        ),
    )
    last_attempt_at = models.DateTimeField(_("haettu viimeksi"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("onnistui viimeksi"), null=True, blank=True)
    last_error = models.CharField(_("virhe"), max_length=300, blank=True)
    failing_since = models.DateTimeField(_("epäonnistunut alkaen"), null=True, blank=True)
    failure_alert_sent_at = models.DateTimeField(
        _("virheilmoitus lähetetty"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("oma kalenteri (varatut ajat)")
        verbose_name_plural = _("oma kalenteri (varatut ajat)")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="calendar_sync_singleton")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def masked_url(self) -> str:
        """The address as the admin shows it once saved: enough to recognise, not to use."""
        url = self.source_url
        if not url:
            return ""
        scheme, _sep, rest = url.partition("://")
        host = rest.split("/", 1)[0]
        return f"{scheme}://{host}/…{url[-4:]}" if len(rest) > len(host) + 8 else f"{url[:12]}…"


class UTCText(Func):
    """An instant read as ISO text in UTC, to be parsed with parse_utc().

    Reading hundreds of timestamps as text and parsing them costs a fifth of what the database
    driver's own timestamp loading does (bench/calendar). SQLite keeps instants as ISO text in
    UTC already (the cast only keeps its driver from converting them); PostgreSQL formats them
    explicitly, whatever the server's DateStyle.
    """

    template = "CAST(%(expressions)s AS TEXT)"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
            **extra_context,
        )


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class BusyIntervalQuerySet(models.QuerySet):
    def overlapping(self, start, end) -> list[tuple[datetime, datetime]]:
        """(start, end) of the busy intervals that overlap [start, end), earliest first."""
        rows = (
            self.filter(start__lt=end, end__gt=start)
            .order_by("start")
            .annotate(start_utc=UTCText("start"), end_utc=UTCText("end"))
            .values_list("start_utc", "end_utc")
        )
        return [(parse_utc(row_start), parse_utc(row_end)) for row_start, row_end in rows]


class BusyInterval(models.Model):
    """A time Henna's own calendar says she is busy. Nothing else about it is kept."""

    start = models.DateTimeField(_("alkaa"))
    end = models.DateTimeField(_("päättyy"))

    objects = BusyIntervalQuerySet.as_manager()

    class Meta:
        verbose_name = _("varattu aika omasta kalenterista")
        verbose_name_plural = _("varatut ajat omasta kalenterista")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["start", "end"], name="busy_interval_start_end"),
            # A week's read (start < until AND end > since): by the end, years of past busy
            # times drop out at once.
            models.Index(fields=["end", "start"], name="busy_interval_end_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="busy_start_before_end")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(SingletonModel):
    """The feed of Henna's meetings for her phone's calendar, at a secret address."""

    # A SHA-256 of the token: a copy of the database does not give the address away.
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("osoite luotu"), null=True, blank=True, editable=False)
    with_names = models.BooleanField(
        _("näytä asiakkaiden nimet"),
        default=False,
        help_text=_(
            "Varoitus: nimet näkyvät silloin kaikkialla, minne kalenteri on tilattu (myös "
            "puhelimen lukitusnäytöllä ja kalenteripalvelun, esim. Googlen, palvelimilla). "
            "Ilman nimiä tapahtumassa on vain tapaamisen tyyppi, viite ja linkki ylläpitoon."
        ),
    )

    class Meta:
        verbose_name = _("puhelimen kalenteri (tilattava syöte)")
        verbose_name_plural = _("puhelimen kalenteri (tilattava syöte)")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="calendar_feed_singleton")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def new_token(self) -> str:
        """A fresh secret; the old address stops working the moment this is saved."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_feed_token(token)
        return token

    def accepts(self, token: str) -> bool:
        return bool(self.token_hash) and hmac.compare_digest(
            self.token_hash, hash_feed_token(token)
        )
