"""Meetings: the types Henna offers, her weekly hours and exceptions, and the meetings booked.

Times are stored as aware UTC instants; weekly hours and exceptions are Europe/Helsinki wall-clock
times, turned into instants per date (bookings.scheduling.slots), so a summer-time change moves
nothing.

No two active meetings overlap, buffers included: on PostgreSQL an exclusion constraint says so;
on SQLite, where no range type exists, the one write path (bookings.scheduling.meetings)
serialises its writes and checks.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..scheduling.slots import blocked_range
from .inquiries import Inquiry


def new_uid() -> str:
    # iTIP: the same UID for the whole life of a meeting, whatever changes.
    return f"{uuid.uuid4()}@aventuria.fi"


def new_manage_token() -> str:
    # The client's link to cancel or move: unguessable, and says nothing about the meeting.
    return secrets.token_urlsafe(24)


class MeetingType(models.Model):
    """A kind of meeting Henna offers, e.g. the intro meeting ("Tutustumistapaaminen")."""

    name = models.CharField(_("nimi"), max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(
        _("kesto (min)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("tauko ennen (min)"),
        default=0,
        validators=[MaxValueValidator(240)],
        help_text=_("Valmistautumisaika ennen tapaamista; muuta ei varata sen päälle."),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("tauko jälkeen (min)"),
        default=0,
        validators=[MaxValueValidator(240)],
        help_text=_("Aika tapaamisen jälkeen muistiinpanoille tai siirtymiselle."),
    )
    in_kotka = models.BooleanField(
        _("Kotkassa"), default=True, help_text=_("Tapaaminen vastaanotolla Kotkassa.")
    )
    remote = models.BooleanField(_("etänä"), default=True)
    by_phone = models.BooleanField(_("puhelimitse"), default=False)
    video_link = models.URLField(
        _("videolinkki"),
        max_length=500,
        blank=True,
        help_text=_("Etätapaamisen linkki (esim. Teams tai Zoom), joka lähetetään asiakkaalle."),
    )
    bookable_online = models.BooleanField(
        _("varattavissa sivustolla"),
        default=False,
        help_text=_("Asiakkaat voivat varata tämän tapaamisen itse ajanvaraussivulla."),
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        _("varattava viimeistään (tuntia ennen)"),
        default=24,
        validators=[MaxValueValidator(24 * 60)],
    )
    horizon_weeks = models.PositiveSmallIntegerField(
        _("varattavissa enintään (viikkoa eteenpäin)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("peruttava tai siirrettävä viimeistään (tuntia ennen)"),
        default=24,
        validators=[MaxValueValidator(24 * 60)],
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("enintään päivässä"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Tyhjä: ei rajaa."),
    )

    class Meta:
        verbose_name = _("tapaamistyyppi")
        verbose_name_plural = _("tapaamistyypit")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_kotka=True) | Q(remote=True) | Q(by_phone=True),
                name="meeting_type_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    def blocked_range(self, start, end) -> tuple:
        """The time a meeting of this type from start to end holds, its buffers included."""
        return blocked_range(
            start, end, buffer_before=self.buffer_before, buffer_after=self.buffer_after
        )

    @property
    def places(self) -> list[str]:
        """The places this type allows, as Meeting.Place values."""
        return [
            place
            for place, allowed in (
                (Meeting.Place.KOTKA, self.in_kotka),
                (Meeting.Place.REMOTE, self.remote),
                (Meeting.Place.PHONE, self.by_phone),
            )
            if allowed
        ]


class Weekday(models.IntegerChoices):
    # date.weekday() numbering.
    MONDAY = 0, _("maanantai")
    TUESDAY = 1, _("tiistai")
    WEDNESDAY = 2, _("keskiviikko")
    THURSDAY = 3, _("torstai")
    FRIDAY = 4, _("perjantai")
    SATURDAY = 5, _("lauantai")
    SUNDAY = 6, _("sunnuntai")


class WeeklyHours(models.Model):
    """One range of bookable hours on a weekday, in Helsinki time; a day may have several."""

    weekday = models.PositiveSmallIntegerField(_("viikonpäivä"), choices=Weekday.choices)
    start_time = models.TimeField(_("alkaa"))
    end_time = models.TimeField(_("päättyy"))

    class Meta:
        verbose_name = _("viikoittainen vastaanottoaika")
        verbose_name_plural = _("viikoittaiset vastaanottoajat")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="weekly_hours_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        start, end = self.start_time, self.end_time
        return f"{self.get_weekday_display()} {start.hour}.{start:%M}–{end.hour}.{end:%M}"


class AvailabilityException(models.Model):
    """A change to the weekly hours on given dates: days off, extra hours, an opened holiday."""

    class Kind(models.TextChoices):
        OFF = "off", _("Vapaa (ei varattavia aikoja)")
        EXTRA = "extra", _("Lisäaika")
        OPEN_HOLIDAY = "open_holiday", _("Arkipyhä auki (viikoittaiset ajat voimassa)")

    kind = models.CharField(_("muutos"), max_length=20, choices=Kind.choices, default=Kind.OFF)
    start_date = models.DateField(_("päivä tai alkaen"))
    end_date = models.DateField(
        _("päättyen"), null=True, blank=True, help_text=_("Vapaalle jaksolle; tyhjä: yksi päivä.")
    )
    start_time = models.TimeField(_("alkaa"), null=True, blank=True, help_text=_("Lisäajalle."))
    end_time = models.TimeField(_("päättyy"), null=True, blank=True, help_text=_("Lisäajalle."))
    note = models.CharField(
        _("muistiinpano"), max_length=200, blank=True, help_text=_("Esim. koulutus tai loma.")
    )

    class Meta:
        verbose_name = _("poikkeus vastaanottoaikoihin")
        verbose_name_plural = _("poikkeukset vastaanottoaikoihin")
        ordering = ["start_date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="availability_exception_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra")
                | Q(
                    start_time__isnull=False,
                    end_time__isnull=False,
                    start_time__lt=F("end_time"),
                    end_date__isnull=True,
                ),
                name="availability_exception_extra_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d.%m.%Y}"

    @property
    def last_date(self):
        return self.end_date or self.start_date


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL; nothing elsewhere.

    SQLite has no range types: there the booking write path runs in a serialised (IMMEDIATE)
    transaction and checks for overlaps itself. Django skips a constraint whose SQL is empty.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


class MeetingQuerySet(models.QuerySet):
    def active(self):
        """Meetings that hold their time (not cancelled)."""
        return self.filter(status__in=Meeting.ACTIVE_STATUSES)

    def holds(self, now=None):
        """New clients' bookings not confirmed yet, within their time to confirm."""
        return self.active().filter(hold_until__gt=now or timezone.now())

    def upcoming(self, now=None):
        return self.active().filter(start__gte=now or timezone.now())

    def blocking(self, since, until):
        """Active meetings whose time with buffers reaches into [since, until): the candidates
        for an overlap, which bookings.scheduling.slots.overlapping then decides. A hold not
        confirmed in time blocks nothing, even before expire_holds has cancelled it."""
        return (
            self.active()
            .filter(blocked_from__lt=until, blocked_until__gt=since)
            .exclude(hold_until__lte=timezone.now())
        )


class Meeting(models.Model):
    """A meeting with a client, booked on the site or scheduled by Henna; part of an inquiry."""

    class Place(models.TextChoices):
        KOTKA = "kotka", _("Vastaanotolla Kotkassa")
        REMOTE = "remote", _("Etänä (videoyhteys)")
        PHONE = "phone", _("Puhelimitse")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Varattu")
        HELD = "held", _("Pidetty")
        CANCELLED = "cancelled", _("Peruttu")
        LATE_CANCELLED = "late_cancelled", _("Peruttu myöhään")
        NO_SHOW = "no_show", _("Ei saapunut")

    # These hold their time; a cancelled meeting frees it at once.
    ACTIVE_STATUSES = (Status.BOOKED, Status.HELD, Status.NO_SHOW)

    inquiry = models.ForeignKey(
        Inquiry, verbose_name=_("yhteydenotto"), on_delete=models.CASCADE, related_name="meetings"
    )
    meeting_type = models.ForeignKey(
        MeetingType,
        verbose_name=_("tapaamistyyppi"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    start = models.DateTimeField(_("alkaa"), db_index=True)
    end = models.DateTimeField(_("päättyy"))
    # The time the meeting holds with its buffers: what no other meeting may overlap.
    blocked_from = models.DateTimeField(editable=False)
    blocked_until = models.DateTimeField(editable=False)
    place = models.CharField(_("paikka"), max_length=10, choices=Place.choices)
    video_link = models.URLField(
        _("videolinkki"),
        max_length=500,
        blank=True,
        help_text=_(
            "Tämän tapaamisen oma etätapaamisen linkki. Tyhjä: tapaamistyypin videolinkki. "
            "Muutos lähettää asiakkaalle päivitetyn kalenterikutsun."
        ),
    )
    status = models.CharField(
        _("tila"), max_length=20, choices=Status.choices, default=Status.BOOKED, db_index=True
    )
    allow_overlap = models.BooleanField(
        _("päällekkäisyys hyväksytty"),
        default=False,
        help_text=_("Henna on hyväksynyt, että tapaaminen on samaan aikaan toisen kanssa."),
    )
    uid = models.CharField(_("kalenteritunniste"), max_length=100, unique=True, default=new_uid)
    sequence = models.PositiveIntegerField(
        _("versio"), default=0, help_text=_("Kasvaa joka muutoksessa (kalenterikutsun SEQUENCE).")
    )
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token)
    # A new client's booking is held until they confirm it from their email (its link has this
    # token), or until hold_until passes and bookings.scheduling.meetings.expire_holds frees it.
    # Confirmed: hold_until is empty. The token stays, so a second click finds the meeting.
    hold_until = models.DateTimeField(
        _("vahvistettava viimeistään"), null=True, blank=True, db_index=True, editable=False
    )
    confirm_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("varattu"), default=timezone.now)
    updated_at = models.DateTimeField(_("muutettu"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("tapaaminen")
        verbose_name_plural = _("tapaamiset")
        ordering = ["start"]
        # Meeting.objects.blocking() (blocked_from < until AND blocked_until > since): the
        # exclusion constraint's GiST index serves only &&, so years of past meetings were
        # scanned for every week shown. By the end first: past meetings drop out at once.
        indexes = [
            models.Index(
                fields=["blocked_until", "blocked_from"],
                name="meeting_blocked_active",
                condition=Q(status__in=["booked", "held", "no_show"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="meeting_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("start"), blocked_until__gte=F("end")),
                name="meeting_blocked_covers_meeting",
            ),
            PostgresExclusionConstraint(
                name="meeting_no_overlap",
                expressions=[
                    (
                        TsTzRange("blocked_from", "blocked_until", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    )
                ],
                condition=Q(status__in=["booked", "held", "no_show"], allow_overlap=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type} {timezone.localtime(self.start):%d.%m.%Y %H.%M}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            # From then on the time it holds changes with its start or type only
            # (bookings.scheduling.meetings), not with a later change to the type's buffers.
            self.set_blocked_range()
        super().save(*args, **kwargs)

    def set_blocked_range(self) -> None:
        self.blocked_from, self.blocked_until = self.meeting_type.blocked_range(
            self.start, self.end
        )

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_hold(self) -> bool:
        """Booked by a new client who has not confirmed it yet: the time is held, no invitation
        has gone out, Henna has not been told."""
        return self.hold_until is not None

    @property
    def remote_link(self) -> str:
        """The link the client opens to join a remote meeting: the meeting's own, else its
        type's meeting room; "" when none is set yet or the meeting is not remote. Only for the
        client's email, invitation and manage page, never for a public page."""
        if self.place != self.Place.REMOTE:
            return ""
        return self.video_link or self.meeting_type.video_link

    @property
    def booked_by_client(self) -> bool:
        """Whether the client booked this meeting on the booking page themselves, rather than
        Henna scheduling it (its history says so). One query; not for lists."""
        return self.changes.filter(action=MeetingChange.Action.BOOKED, by_client=True).exists()

    def get_manage_url(self) -> str:
        return reverse("bookings:manage", kwargs={"token": self.manage_token})

    def get_admin_url(self) -> str:
        return reverse("admin:bookings_meeting_change", args=[self.pk])


class MeetingChange(models.Model):
    """The history of a meeting: booked, moved, cancelled, marked; by whom and when."""

    class Action(models.TextChoices):
        BOOKED = "booked", _("Varattu")
        MOVED = "moved", _("Siirretty")
        CANCELLED = "cancelled", _("Peruttu")
        STATUS = "status", _("Tila muutettu")
        CHANGED = "changed", _("Tyyppi, paikka tai linkki muutettu")
        CONFIRMED = "confirmed", _("Vahvistettu sähköpostista")
        EXPIRED = "expired", _("Vahvistamatta, vapautettu")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("muutos"), max_length=20, choices=Action.choices)
    old_start = models.DateTimeField(_("aiempi aika"), null=True, blank=True)
    # The meeting's SEQUENCE after this change: which email (a version) tells about it.
    sequence = models.PositiveIntegerField(_("versio"), null=True, blank=True)
    new_start = models.DateTimeField(_("uusi aika"), null=True, blank=True)
    new_status = models.CharField(
        _("uusi tila"), max_length=20, choices=Meeting.Status.choices, blank=True
    )
    # Null with by_client: the client did it through their link. Null alone: the system.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("muuttaja"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    by_client = models.BooleanField(_("asiakas itse"), default=False)
    changed_at = models.DateTimeField(_("muutettu"), default=timezone.now)

    class Meta:
        verbose_name = _("tapaamisen muutos")
        verbose_name_plural = _("tapaamisen historia")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.changed_at):%d.%m.%Y %H.%M}"
