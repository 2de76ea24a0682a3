"""One way to change a meeting: every meeting row is created or changed here, and nowhere else.

The client's booking and manage pages, Henna's scheduling page and series, the meeting's change
form, the meeting list's actions and the commands all call these functions:

- book_meeting: a client books a free time on the site (its inquiry comes with it);
- move_meeting, cancel_meeting: the client's manage page (before the cutoff);
- schedule_meetings: Henna books one session or a series for an inquiry;
- set_meeting_status: Henna's list actions (held, not attended, cancelled late);
- change_meeting: Henna's change form, any of time, type, place, link, status and overlap at
  once;
- confirm_booking, expire_holds: a new client's booking is held until they confirm it from
  their email, or freed when they do not.

Each runs in one transaction that first takes the meeting lock (serialise), so meeting writes
never interleave, on any database. Inside it, one overlap check: the client's times go through
the slot engine (the hours, the notice, every busy time); Henna's through find_overlaps, the
same candidates and the same rule (slots.overlapping), against meetings only, since she
decides about her own calendar herself. An overlap with another meeting is saved only when the
caller accepts it in that very call (allow_overlap, or the overlaps Henna saw in the scheduling
preview); the meeting is then marked allow_overlap, and unmarked once it overlaps nothing. On
PostgreSQL the exclusion constraint `meeting_no_overlap` is the last word for the rest.

Each change is recorded (MeetingChange), raises the SEQUENCE whenever what the client's calendar
shows changes (time, length, type, place, or a status that frees or takes the time; nothing
about a meeting that stays cancelled), and queues its emails in the same transaction, so that
they go out once the change has committed, and only then. A change that cannot be made raises
MeetingRefused, which says why, for the client's pages (its code) and for Henna (its message,
naming the meetings in the way).
"""

import copy
import logging
import secrets
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from aventuria.cache import try_cache
from services.models import Practice, PrivacyNotice

from ..inquiries.services import change_status, create_inquiry, rate_limited
from ..models import Inquiry, Meeting, MeetingChange, MeetingType
from ..models.inquiries import mailbox_key
from ..outbox.queue import queue_confirm_request, queue_meeting_emails
from . import availability, slots
from .availability import Overlap, find_overlaps

logger = logging.getLogger(__name__)

# Upcoming bookings one email address may hold at a time.
MAX_UPCOMING_PER_EMAIL = 2
# A new client's booking is held this long for them to confirm it from their email.
HOLD_MINUTES = 30
# Unconfirmed holds at once: in all, and from one network (client_key, an IPv6 /64). Per
# mailbox, MAX_UPCOMING_PER_EMAIL holds already. Confirmed clients are not counted.
MAX_HOLDS = 5
MAX_HOLDS_PER_NETWORK = 2
# Moves a client may make to one meeting within a day: each sends an email to the address it
# was booked with and to Henna, so the manage link must not become a way to flood an inbox.
MAX_CLIENT_MOVES_PER_DAY = 3
# Henna hears that the holds are full at most this often.
HOLDS_ALERT_EVERY = timedelta(hours=1)
HOLDS_ALERT_KEY = "bookings:holds-full-alert"
# The years a meeting may be in: what a practice plans, far from where date arithmetic ends.
MIN_YEAR, MAX_YEAR = 2000, 2100

TAKEN = "taken"  # overlaps another meeting (for a client: free when the page was shown)
NOT_OFFERED = "not_offered"  # never on offer: past, outside the hours, tampered with
TOO_MANY = "too_many"  # the address has its two upcoming bookings already
RATE_LIMITED = "rate_limited"  # the visitor's network has sent its inquiries and bookings for now
TOO_LATE = "too_late"  # past the type's cutoff for the client's own changes
NOT_ACTIVE = "not_active"  # cancelled already
WRONG_PLACE = "wrong_place"  # the meeting type is not offered at that place
CHANGED_MEANWHILE = "changed_meanwhile"  # changed by someone else since the form was opened
SCHEDULED = "scheduled"  # a session Henna scheduled: the client asks her for another time
NOT_STARTED = "not_started"  # held or not attended, before the meeting has started
# What the client's email says about the change (Meeting.client_email after a change).
INVITATION, CANCELLATION = "invitation", "cancellation"
HOLDS_FULL = "holds_full"  # as many new clients' bookings await confirmation as are allowed
HOLDS_PENDING = "holds_pending"  # this network's earlier bookings await confirmation
UNCONFIRMED = "unconfirmed"  # a hold: confirmed from the email before it can be moved
EXPIRED = "expired"  # a hold not confirmed in time: the time was freed
TOO_MANY_MOVES = "too_many_moves"  # moved MAX_CLIENT_MOVES_PER_DAY times within a day already

# A lock key of our own for PostgreSQL's transaction-level advisory lock.
LOCK_KEY = 0x4D454554  # "MEET"


class MeetingRefused(Exception):
    """A meeting change that cannot be made. `code` says why; `overlaps` names what is in the
    way; `message` says it to Henna, in the active language."""

    def __init__(self, code: str, *, overlaps: Sequence[Overlap] = ()):
        super().__init__(code)
        self.code = code
        self.overlaps = list(overlaps)

    @property
    def clashing(self) -> list[Meeting]:
        seen, meetings = set(), []
        for overlap in self.overlaps:
            for meeting in overlap.meetings:
                if meeting.pk not in seen:
                    seen.add(meeting.pk)
                    meetings.append(meeting)
        return meetings

    @property
    def message(self) -> str:
        if self.code == TAKEN and self.clashing:
            return _(
                "Aika menee päällekkäin tapaamisen %(meetings)s kanssa (taukoineen). Valitse "
                "toinen aika tai hyväksy päällekkäisyys."
            ) % {"meetings": ", ".join(describe(meeting) for meeting in self.clashing)}
        messages = {
            TAKEN: _("Aika menee päällekkäin toisen tapaamisen kanssa (taukoineen)."),
            NOT_OFFERED: _("Aikaa ei voi varata."),
            TOO_MANY: _("Sähköpostiosoitteella on jo kaksi tulevaa varausta."),
            RATE_LIMITED: _("Samasta osoitteesta on tehty juuri monta varausta."),
            TOO_LATE: _("Asiakas ei voi enää muuttaa tapaamista itse."),
            NOT_ACTIVE: _("Tapaaminen on jo peruttu."),
            WRONG_PLACE: _("Tämä tapaamistyyppi ei salli valittua paikkaa."),
            SCHEDULED: _("Asiakas ei voi siirtää sovittua tapaamista itse."),
            NOT_STARTED: _(
                "Tapaamisen voi merkitä pidetyksi tai poisjäädyksi vasta, kun se on alkanut."
            ),
            HOLDS_FULL: _("Vahvistamattomia varauksia on jo enimmäismäärä."),
            HOLDS_PENDING: _("Samasta osoitteesta on jo vahvistamattomia varauksia."),
            UNCONFIRMED: _("Varausta ei ole vielä vahvistettu."),
            EXPIRED: _("Varausta ei vahvistettu ajoissa, ja aika vapautettiin."),
            TOO_MANY_MOVES: _("Asiakas on siirtänyt tapaamista jo kolmesti vuorokauden sisällä."),
            CHANGED_MEANWHILE: _(
                "Tapaamista on muutettu sen jälkeen, kun avasit sen (esimerkiksi asiakas perui tai "
                "siirsi sen). Tarkista tiedot ja tee muutos uudelleen."
            ),
        }
        return messages[self.code]


def describe(meeting: Meeting) -> str:
    """A meeting as Henna recognises it: "Tutustumistapaaminen ti 8.12.2026 10.30 (HTFR4B4U)"."""
    start = timezone.localtime(meeting.start)
    when = f"{date_format(start, 'D j.n.Y')} {start.hour}.{start.minute:02d}"
    return f"{meeting.meeting_type} {when} ({meeting.inquiry.reference})"


def serialise() -> None:
    """The transaction's first statement: from here to its commit no other meeting write runs.

    PostgreSQL: a transaction-level advisory lock, held until the commit or rollback. SQLite:
    its IMMEDIATE transactions (settings.DATABASES) hold the one write lock from BEGIN, so there
    is nothing more to take.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def check_free(
    meeting_type: MeetingType, start: datetime, *, now: datetime, ignore_meeting_id=None
) -> None:
    """For a client: the time must be one the booking page offers now."""
    day = slots.local_date(start)
    window = availability.Window(day, day)
    rules = availability.load_availability(
        meeting_type, window, ignore_meeting_id=ignore_meeting_id
    )
    if slots.is_free(rules, start=start, now=now):
        return
    unbooked = slots.Availability(
        rules=rules.rules, weekly=rules.weekly, exceptions=rules.exceptions, holidays=rules.holidays
    )
    raise MeetingRefused(TAKEN if slots.is_free(unbooked, start=start, now=now) else NOT_OFFERED)


@contextmanager
def refused_if_taken() -> Iterator[None]:
    """PostgreSQL's exclusion constraint refusing a row: a time just taken."""
    try:
        yield
    except IntegrityError as error:
        raise MeetingRefused(TAKEN) from error


def existing_booking(submission_id) -> Meeting | None:
    """The meeting booked with this form before (a double click, a reload)."""
    if submission_id is None:
        return None
    # Nearly always none: one look at the unique index first.
    inquiry_id = (
        Inquiry.objects.filter(submission_id=submission_id).values_list("pk", flat=True).first()
    )
    if inquiry_id is None:
        return None
    return Meeting.objects.filter(inquiry_id=inquiry_id).first()


def client_may_change(meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether the client may still cancel or move the meeting themselves."""
    cutoff = meeting.start - timedelta(hours=meeting.meeting_type.cancel_cutoff_hours)
    return meeting.is_active and (now or timezone.now()) < cutoff


def client_may_move(meeting: Meeting) -> bool:
    """Whether the client may move the meeting to another of the booking page's times
    themselves: only a meeting they booked there, of a type still booked there. The page's
    times are the intro meeting's; a session Henna scheduled (its own type and length) is
    moved by asking her, and cancelled like any other before the cutoff."""
    return meeting.meeting_type.bookable_online and meeting.booked_by_client


def create_meeting(
    *,
    inquiry: Inquiry,
    meeting_type: MeetingType,
    start: datetime,
    place: str,
    video_link: str = "",
    allow_overlap: bool = False,
    by_client: bool = False,
    user=None,
    hold_until: datetime | None = None,
) -> Meeting:
    """Within a serialised transaction whose checks have passed: the meeting, its history and
    its emails. With hold_until, a hold: its one email asks the client to confirm it."""
    meeting = Meeting.objects.create(
        hold_until=hold_until,
        confirm_token=secrets.token_urlsafe(24) if hold_until else None,
        inquiry=inquiry,
        meeting_type=meeting_type,
        start=start,
        end=start + meeting_type.duration,
        place=place,
        video_link=video_link,
        allow_overlap=allow_overlap,
    )
    MeetingChange.objects.create(
        meeting=meeting,
        action=MeetingChange.Action.BOOKED,
        new_start=start,
        by_client=by_client,
        changed_by=user,
        sequence=meeting.sequence,
    )
    if meeting.is_hold:
        queue_confirm_request(meeting=meeting)
    else:
        queue_meeting_emails(meeting=meeting, notify_staff=user is None)
    return meeting


def at_least(queryset, count: int) -> bool:
    """Whether the queryset has count rows: reading at most count ids costs less than counting."""
    return len(queryset.values_list("pk", flat=True)[:count]) >= count


def is_returning(email_key: str) -> bool:
    """Whether this mailbox has had a meeting that was not a hold: a client who confirmed a
    booking before, or one Henna scheduled. Their bookings need no confirmation."""
    return Meeting.objects.filter(inquiry__email_key=email_key, hold_until__isnull=True).exists()


def check_holds(*, client_key: str, now: datetime) -> None:
    """A new client's booking becomes a hold: refused when the holds are full, in all or for
    this network."""
    holds = Meeting.objects.holds(now)
    if client_key and at_least(holds.filter(inquiry__client_key=client_key), MAX_HOLDS_PER_NETWORK):
        raise MeetingRefused(HOLDS_PENDING)
    if at_least(holds, MAX_HOLDS):
        raise MeetingRefused(HOLDS_FULL)


def alert_holds_full(now: datetime) -> None:
    """Tell Henna that new clients' bookings are being refused, once per HOLDS_ALERT_EVERY
    (the cache's atomic add decides who sends it; without a cache, nobody)."""
    if not try_cache("add", HOLDS_ALERT_KEY, 1, timeout=HOLDS_ALERT_EVERY.total_seconds()):
        return
    practice = Practice.objects.filter(pk=1).first()
    if practice is None or not practice.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "max_holds": MAX_HOLDS,
            "hold_minutes": HOLD_MINUTES,
            "holds": list(Meeting.objects.holds(now).select_related("inquiry", "meeting_type")),
            "admin_link": settings.SITE_URL + reverse("admin:bookings_meeting_changelist"),
        }
        subject = render_to_string("bookings/email/holds_full_subject.txt", context)
        body = render_to_string("bookings/email/holds_full.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [practice.email])
    except Exception:  # The refusal stands; the alert is tried again by the next refusal.
        logger.exception("Holds full: the alert to Henna could not be sent")
        try_cache("delete", HOLDS_ALERT_KEY)


@sensitive_variables()
def book_meeting(
    *,
    submission_id,
    meeting_type: MeetingType,
    start: datetime,
    place: str,
    name: str,
    email: str,
    phone: str = "",
    considered_kind: str = "",
    note: str = "",
    language: str,
    client_key: str = "",
    privacy_notice: PrivacyNotice | None = None,
    now: datetime | None = None,
) -> tuple[Meeting, bool]:
    """A client books a free time: its inquiry (an intro meeting, status "meeting agreed"), the
    meeting, their history and emails, in one transaction. The same submission_id again (a
    double click, a reload) returns the first meeting and False. Raises MeetingRefused.

    The limits are counted inside the serialised transaction, so that parallel posts cannot all
    pass them: the visitor's network (client_key, an IPv6 address's /64) within
    INQUIRY_RATE_LIMIT, and at most MAX_UPCOMING_PER_EMAIL upcoming bookings per mailbox
    (mailbox_key: case, +tags and Gmail's dots do not make another person)."""
    now = now or timezone.now()
    if place not in meeting_type.places:
        raise MeetingRefused(NOT_OFFERED)
    try:
        with transaction.atomic():
            serialise()
            existing = existing_booking(submission_id)
            if existing is not None:
                return existing, False
            if client_key and rate_limited(client_key=client_key, submission_id=submission_id):
                raise MeetingRefused(RATE_LIMITED)
            expire_holds(now=now, serialised=True)
            email_key = mailbox_key(email)
            upcoming = Meeting.objects.upcoming(now).filter(inquiry__email_key=email_key)
            if at_least(upcoming, MAX_UPCOMING_PER_EMAIL):
                raise MeetingRefused(TOO_MANY)
            hold_until = None
            if not is_returning(email_key):
                check_holds(client_key=client_key, now=now)
                hold_until = now + timedelta(minutes=HOLD_MINUTES)
            check_free(meeting_type, start, now=now)
            inquiry = create_inquiry(
                submission_id=submission_id,
                kind=Inquiry.Kind.INTRO,
                considered_kind=considered_kind,
                name=name,
                email=email,
                phone=phone,
                format=place if place in Inquiry.Format.values else "",
                message=note,
                language=language,
                client_key=client_key,
                privacy_notice=privacy_notice,
                status=Inquiry.Status.MEETING,
            )
            meeting = create_meeting(
                inquiry=inquiry,
                meeting_type=meeting_type,
                start=start,
                place=place,
                by_client=True,
                hold_until=hold_until,
            )
    except MeetingRefused as refused:
        if refused.code == HOLDS_FULL:
            alert_holds_full(now)
        raise
    except IntegrityError:
        existing = existing_booking(submission_id)
        if existing is not None:
            return existing, False
        raise MeetingRefused(TAKEN) from None
    logger.info("Meeting %s %s", meeting.pk, "held" if meeting.is_hold else "booked")
    return meeting, True


def confirm_booking(*, token: str, now: datetime | None = None) -> Meeting:
    """The client confirms their held booking from the email's link: it becomes a booked
    meeting like any other, and its invitation and Henna's notification go out. A second
    confirmation returns the meeting as it is. Raises MeetingRefused(EXPIRED) for a hold not
    confirmed in time (or cancelled), and Meeting.DoesNotExist for a wrong token."""
    now = now or timezone.now()
    with transaction.atomic():
        serialise()
        meeting = Meeting.objects.select_related("meeting_type", "inquiry").get(confirm_token=token)
        if not meeting.is_hold:
            if not meeting.is_active:
                raise MeetingRefused(NOT_ACTIVE)
            return meeting
        if not meeting.is_active or meeting.hold_until <= now:
            raise MeetingRefused(EXPIRED)
        meeting.hold_until = None
        meeting.save(update_fields=["hold_until", "updated_at"])
        MeetingChange.objects.create(
            meeting=meeting,
            action=MeetingChange.Action.CONFIRMED,
            by_client=True,
            sequence=meeting.sequence,
            changed_at=now,
        )
        queue_meeting_emails(meeting=meeting, notify_staff=True)
    logger.info("Meeting %s confirmed", meeting.pk)
    return meeting


def expire_holds(*, now: datetime | None = None, serialised: bool = False) -> int:
    """Free the time of every hold not confirmed within HOLD_MINUTES: the meeting is cancelled
    (no email: the client was never sent an invitation, Henna never told) and its inquiry
    closed. Run before every booking and by `manage.py expire_holds`. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        if not serialised:
            serialise()
        due = list(
            Meeting.objects.active()
            .filter(hold_until__lte=now)
            .select_related("meeting_type", "inquiry")
        )
        for meeting in due:
            old = copy.copy(meeting)
            meeting.status = Meeting.Status.CANCELLED
            meeting.save(update_fields=["status", "updated_at"])
            MeetingChange.objects.create(
                meeting=meeting,
                action=MeetingChange.Action.EXPIRED,
                new_status=meeting.status,
                sequence=old.sequence,
                changed_at=now,
            )
            if meeting.inquiry.is_open:
                change_status(inquiry=meeting.inquiry, status=Inquiry.Status.CLOSED)
    if due:
        logger.info("%s unconfirmed bookings expired", len(due))
    return len(due)


def schedule_meetings(
    *,
    inquiry: Inquiry,
    meeting_type: MeetingType,
    place: str,
    sessions: Sequence[tuple[datetime, datetime]],
    accepted_overlaps: Collection[tuple[datetime, int]] = (),
    allow_overlap: bool = False,
    video_link: str = "",
    user,
) -> list[Meeting]:
    """Henna books one meeting per session for an inquiry, each with its own invitation, in one
    transaction, at any time (not only the public hours). video_link: the sessions' own link
    for a remote meeting, instead of the type's.

    A session that overlaps another meeting raises MeetingRefused (and nothing is saved), with
    the overlaps found, unless the overlap was accepted: each (session start, meeting id) in
    accepted_overlaps (what the preview showed Henna), or any overlap with allow_overlap. Such
    a session is saved marked allow_overlap. The inquiry moves to "tapaaminen sovittu" while it
    is still open.
    """
    if place not in meeting_type.places:
        raise MeetingRefused(WRONG_PLACE)
    accepted = set(accepted_overlaps)
    with refused_if_taken(), transaction.atomic():
        serialise()
        expire_holds(serialised=True)  # A hold not confirmed in time blocks nothing.
        overlaps = find_overlaps(meeting_type=meeting_type, sessions=sessions)
        unaccepted = [
            overlap
            for overlap in overlaps
            if not allow_overlap
            and any((overlap.start, m.pk) not in accepted for m in overlap.meetings)
        ]
        if unaccepted:
            raise MeetingRefused(TAKEN, overlaps=unaccepted)
        overlapping = {overlap.start for overlap in overlaps}
        meetings = [
            create_meeting(
                inquiry=inquiry,
                meeting_type=meeting_type,
                start=start,
                place=place,
                video_link=video_link if place == Meeting.Place.REMOTE else "",
                allow_overlap=start in overlapping,
                user=user,
            )
            for start, _end in sessions
        ]
        if inquiry.status in (Inquiry.Status.NEW, Inquiry.Status.CONTACTED):
            change_status(inquiry=inquiry, status=Inquiry.Status.MEETING, user=user)
    return meetings


def locked(meeting: Meeting) -> Meeting:
    """Within a transaction: take the meeting lock, free the times of holds not confirmed in
    time (so that none stands in a change's way) and read the meeting as it now is."""
    serialise()
    expire_holds(serialised=True)
    return Meeting.objects.select_related("meeting_type", "inquiry").get(pk=meeting.pk)


def apply_change(
    meeting: Meeting,
    *,
    start: datetime | None = None,
    meeting_type: MeetingType | None = None,
    place: str | None = None,
    video_link: str | None = None,
    status: str | None = None,
    allow_overlap: bool | None = None,
    unchanged_since: datetime | None = None,
    by_client: bool = False,
    user=None,
    now: datetime,
) -> Meeting:
    """Within a serialised transaction, on the locked meeting: check, save, record, queue.

    None leaves a part as it is. A new start or type gives the meeting the type's length and
    buffers; anything else keeps the time it holds. allow_overlap=True accepts an overlap with
    another meeting in this call; False withdraws one accepted before. unchanged_since: the
    meeting's updated_at when the caller read it (a form opened earlier); a meeting changed
    since then is refused rather than overwritten."""
    if unchanged_since is not None and meeting.updated_at != unchanged_since:
        raise MeetingRefused(CHANGED_MEANWHILE)
    old = copy.copy(meeting)  # as it was, to compare with
    start_changed = start is not None and start != meeting.start
    type_changed = meeting_type is not None and meeting_type.pk != meeting.meeting_type_id
    place_changed = place is not None and place != meeting.place
    if start_changed or type_changed:
        meeting.meeting_type = meeting_type or meeting.meeting_type
        meeting.start = start or meeting.start
        meeting.end = meeting.start + meeting.meeting_type.duration
        meeting.set_blocked_range()
    if place_changed:
        meeting.place = place
    if video_link is not None:
        meeting.video_link = video_link
    if (place_changed or type_changed) and meeting.place not in meeting.meeting_type.places:
        raise MeetingRefused(WRONG_PLACE)
    meeting.status = status or meeting.status
    marked_done = meeting.status in (Meeting.Status.HELD, Meeting.Status.NO_SHOW)
    if marked_done and meeting.status != old.status and meeting.start > now:
        raise MeetingRefused(NOT_STARTED)
    withdrawn = allow_overlap is False and old.allow_overlap
    if meeting.is_active and (
        not old.is_active or start_changed or type_changed or withdrawn
    ):  # The meeting takes a time it did not hold a moment ago: is it free?
        if by_client:
            check_free(meeting.meeting_type, meeting.start, now=now, ignore_meeting_id=meeting.pk)
            meeting.allow_overlap = False
        else:
            overlaps = find_overlaps(
                meeting_type=meeting.meeting_type,
                sessions=[(meeting.start, meeting.end)],
                exclude=meeting,
            )
            if overlaps and not allow_overlap:
                raise MeetingRefused(TAKEN, overlaps=overlaps)
            meeting.allow_overlap = bool(overlaps)
    # What the client's calendar shows: a change of any of it is a new version (SEQUENCE).
    shown = (
        meeting.start,
        meeting.end,
        meeting.meeting_type_id,
        meeting.place,
        meeting.remote_link,
    )
    was_shown = (old.start, old.end, old.meeting_type_id, old.place, old.remote_link)
    if (shown, meeting.is_active) != (was_shown, old.is_active) and (
        meeting.is_active or old.is_active
    ):
        meeting.sequence += 1
    # Henna changed a booking its client has not confirmed: she has taken it over, so it is an
    # ordinary booking from now on (it no longer expires) and the client gets its invitation.
    taken_over = old.is_hold and user is not None and meeting.is_active
    if taken_over and meeting.sequence != old.sequence:
        meeting.hold_until = None
    meeting.save()
    record_changes(meeting, old, by_client=by_client, user=user)
    # What the client is sent about this change (read by the admin's confirmation step).
    meeting.client_email = ""
    if meeting.sequence != old.sequence and (not old.is_hold or taken_over):
        # A hold still held has had no invitation and Henna no notification: nothing to
        # update. A meeting that is over gets no email: Henna is putting her records right.
        notify_client = max(meeting.end, old.end) > now
        queue_meeting_emails(
            meeting=meeting, notify_staff=user is None, notify_client=notify_client
        )
        if notify_client:
            meeting.client_email = INVITATION if meeting.is_active else CANCELLATION
    return meeting


def record_changes(meeting: Meeting, old: Meeting, *, by_client: bool, user) -> None:
    """The history rows of a change: a move, a new type or place, a new status."""
    history = {
        "meeting": meeting,
        "by_client": by_client,
        "changed_by": user,
        "sequence": meeting.sequence,
    }
    if meeting.start != old.start:
        MeetingChange.objects.create(
            action=MeetingChange.Action.MOVED,
            old_start=old.start,
            new_start=meeting.start,
            **history,
        )
    what = (meeting.meeting_type_id, meeting.place, meeting.video_link)
    if what != (old.meeting_type_id, old.place, old.video_link):
        MeetingChange.objects.create(action=MeetingChange.Action.CHANGED, **history)
    if meeting.status != old.status:
        cancelled = old.is_active and not meeting.is_active
        MeetingChange.objects.create(
            action=MeetingChange.Action.CANCELLED if cancelled else MeetingChange.Action.STATUS,
            new_status=meeting.status,
            **history,
        )


def change_meeting(
    *,
    meeting: Meeting,
    user,
    start: datetime | None = None,
    meeting_type: MeetingType | None = None,
    place: str | None = None,
    video_link: str | None = None,
    status: str | None = None,
    allow_overlap: bool | None = None,
    unchanged_since: datetime | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Meeting:
    """Henna's change form: any of the time, type, place, link, status and overlap at once.
    Raises MeetingRefused.

    dry_run makes the change and rolls it back (with its emails): whether it can be made,
    decided by the same code that makes it. Inside a caller's transaction (the admin's), the
    meeting lock is taken before the dry run's savepoint, whose rollback would release it: so
    no other write gets between the dry run and the real change that follows it."""
    serialise()
    with refused_if_taken(), transaction.atomic():
        changed = apply_change(
            locked(meeting),
            start=start,
            meeting_type=meeting_type,
            place=place,
            video_link=video_link,
            status=status,
            allow_overlap=allow_overlap,
            unchanged_since=unchanged_since,
            user=user,
            now=now or timezone.now(),
        )
        if dry_run:
            transaction.set_rollback(True)
    return changed


def move_meeting(
    *,
    meeting: Meeting,
    new_start: datetime,
    by_client: bool = False,
    user=None,
    now: datetime | None = None,
) -> Meeting:
    """Move an active meeting to a new time: a new version (SEQUENCE) of its invitation goes
    out. The client moves only to a free time, before the cutoff; Henna (a user) to any time
    that overlaps no other meeting."""
    now = now or timezone.now()
    with refused_if_taken(), transaction.atomic():
        meeting = locked(meeting)
        if not meeting.is_active:
            raise MeetingRefused(NOT_ACTIVE)
        if by_client:
            if not client_may_change(meeting, now):
                raise MeetingRefused(TOO_LATE)
            if not client_may_move(meeting):
                raise MeetingRefused(SCHEDULED)
            if meeting.is_hold:
                raise MeetingRefused(UNCONFIRMED)
            moves = meeting.changes.filter(
                action=MeetingChange.Action.MOVED,
                by_client=True,
                changed_at__gt=now - timedelta(days=1),
            )
            if at_least(moves, MAX_CLIENT_MOVES_PER_DAY):
                raise MeetingRefused(TOO_MANY_MOVES)
            if new_start == meeting.start:
                raise MeetingRefused(NOT_OFFERED)
        return apply_change(meeting, start=new_start, by_client=by_client, user=user, now=now)


def cancel_meeting(
    *,
    meeting: Meeting,
    by_client: bool = False,
    user=None,
    status: str = Meeting.Status.CANCELLED,
    now: datetime | None = None,
) -> Meeting:
    """Cancel an active meeting (cancelled, or cancelled late): its time is free again at once,
    and the cancellation goes out. The client may do so before the cutoff."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = locked(meeting)
        if not meeting.is_active:
            raise MeetingRefused(NOT_ACTIVE)
        if by_client and not client_may_change(meeting, now):
            raise MeetingRefused(TOO_LATE)
        return apply_change(meeting, status=status, by_client=by_client, user=user, now=now)


def set_meeting_status(
    *, meeting: Meeting, status: str, user, now: datetime | None = None
) -> Meeting:
    """Henna marks a meeting held, not attended, cancelled or cancelled late.

    A status that gives a cancelled meeting its time back is checked like a move: refused
    (MeetingRefused) when another meeting holds that time now, whatever overlap was accepted
    before (that was with other meetings)."""
    with refused_if_taken(), transaction.atomic():
        return apply_change(locked(meeting), status=status, user=user, now=now or timezone.now())
