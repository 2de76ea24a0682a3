"""Privacy: how long an inquiry is kept, and a person's access, export and erasure requests.

deletion_due() is the one rule for when an inquiry is deleted: the purge command and the admin
both call it, so the date Henna sees is the date the purge acts on.
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ..models import Inquiry, InquiryNote, Meeting, PrivacyLog, StatusChange

logger = logging.getLogger(__name__)

EMAIL_HASH_SALT = "bookings.privacy.email"


class Reason(models.TextChoices):
    NO_CLIENT = "no_client", _("ei asiakkuutta")
    AFTER_CLIENT = "after_client", _("asiakkuus päättyi")
    SPAM = "spam", _("roskaposti")
    CLIENT = "client", _("asiakkuus jatkuu")


@dataclass(frozen=True)
class Retention:
    reason: Reason
    # None while a client relationship lasts: such an inquiry is never deleted.
    due_at: datetime | None


def add_months(moment: datetime, months: int) -> datetime:
    """The same local time `months` later; the 31st becomes the last day of a shorter month."""
    local = timezone.localtime(moment)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def with_retention_facts(queryset):
    """Annotate what deletion_due() needs, so a list of inquiries costs one query."""
    changes = StatusChange.objects.filter(inquiry=OuterRef("pk"))
    notes = InquiryNote.objects.filter(inquiry=OuterRef("pk"))
    meetings = Meeting.objects.filter(inquiry=OuterRef("pk"))
    return queryset.annotate(
        last_status_change_at=Subquery(changes.order_by("-changed_at").values("changed_at")[:1]),
        last_note_at=Subquery(notes.order_by("-created_at").values("created_at")[:1]),
        last_meeting_at=Subquery(meetings.order_by("-end").values("end")[:1]),
        was_client=Exists(changes.filter(to_status=Inquiry.Status.CLIENT)),
    )


def last_touched(inquiry: Inquiry) -> datetime:
    """The latest of: received, saved (updated_at), last status change, last note, the end of
    its last meeting (a booking is kept at least as long after its meeting as an inquiry)."""
    moments = [
        inquiry.created_at,
        inquiry.updated_at,
        inquiry.last_status_change_at,
        inquiry.last_note_at,
        inquiry.last_meeting_at,
    ]
    return max(moment for moment in moments if moment is not None)


def deletion_due(inquiry: Inquiry) -> Retention:
    """When the retention purge deletes this inquiry, and under which rule.

    - A client relationship began (a status change to "client" exists): kept while the status is
      "client"; then RETENTION_MONTHS_AFTER_CLIENT months after client_ended_at (or after it was
      last touched, if it left "client" without being closed).
    - Spam: RETENTION_DAYS_SPAM days after it was last touched.
    - Otherwise: RETENTION_MONTHS_NO_CLIENT months after it was last touched (closing it is a
      status change, so "closed" is covered).
    """
    if not hasattr(inquiry, "was_client"):
        facts = with_retention_facts(Inquiry.objects.filter(pk=inquiry.pk)).values(
            "last_status_change_at", "last_note_at", "last_meeting_at", "was_client"
        )
        facts = facts.first() or {}
        inquiry.last_status_change_at = facts.get("last_status_change_at")
        inquiry.last_note_at = facts.get("last_note_at")
        inquiry.last_meeting_at = facts.get("last_meeting_at")
        inquiry.was_client = facts.get("was_client", False)
    if inquiry.was_client:
        if inquiry.status == Inquiry.Status.CLIENT:
            return Retention(Reason.CLIENT, None)
        ended = inquiry.client_ended_at or last_touched(inquiry)
        return Retention(
            Reason.AFTER_CLIENT, add_months(ended, settings.RETENTION_MONTHS_AFTER_CLIENT)
        )
    if inquiry.status == Inquiry.Status.SPAM:
        return Retention(
            Reason.SPAM, last_touched(inquiry) + timedelta(days=settings.RETENTION_DAYS_SPAM)
        )
    return Retention(
        Reason.NO_CLIENT, add_months(last_touched(inquiry), settings.RETENTION_MONTHS_NO_CLIENT)
    )


@dataclass(frozen=True)
class DueInquiry:
    """What the dry run prints: an id, the reference, the date and the rule; nothing personal."""

    pk: int
    reference: str
    due_at: datetime
    reason: Reason


def delete_inquiries(ids: list[int]) -> int:
    """Delete inquiries with their notes, history, notifications, goal links and meetings (with
    the meetings' history and emails). Rows deleted."""
    if not ids:
        return 0
    meeting_ids = list(Meeting.objects.filter(inquiry__in=ids).values_list("pk", flat=True))
    deleted, _per_model = Inquiry.objects.filter(pk__in=ids).delete()
    # The admin's own history names only the reference or the time, but points at rows gone.
    for model, pks in ((Inquiry, ids), (Meeting, meeting_ids)):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).delete()
    return deleted


def purge_due_inquiries(*, now: datetime | None = None, dry_run: bool = False) -> list[DueInquiry]:
    """Delete every inquiry whose retention period has ended; the dry run only lists them."""
    now = now or timezone.now()
    with transaction.atomic():
        inquiries = with_retention_facts(Inquiry.objects.order_by("pk"))
        if not dry_run:
            # Henna saving an inquiry meanwhile waits, then sees it gone; never half-deleted.
            inquiries = inquiries.select_for_update()
        due = []
        for inquiry in inquiries:
            retention = deletion_due(inquiry)
            if retention.due_at is not None and retention.due_at <= now:
                due.append(
                    DueInquiry(inquiry.pk, inquiry.reference, retention.due_at, retention.reason)
                )
        if not dry_run and due:
            rows = delete_inquiries([item.pk for item in due])
            PrivacyLog.objects.create(action=PrivacyLog.Action.PURGE, rows=rows)
    logger.info(
        "Retention purge%s: %d inquiries %s",
        " (dry run)" if dry_run else "",
        len(due),
        "due" if dry_run else "deleted",
    )
    return due


# Access, export and erasure of one person's data, found by their email address.


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    """A keyed hash of the address: the same address always gives the same hash, and without
    the secret key nobody can test addresses against it."""
    return salted_hmac(EMAIL_HASH_SALT, normalise_email(email), algorithm="sha256").hexdigest()


def person_inquiries(email: str):
    return (
        Inquiry.objects.for_email(email)
        .select_related("privacy_notice")
        .prefetch_related(
            "goals",
            "notes__author",
            "status_changes__changed_by",
            "notifications",
            "meetings__meeting_type",
            "meetings__changes__changed_by",
        )
        .order_by("created_at", "pk")
    )


def field_value(obj: models.Model, field: models.Field):
    if field.is_relation:
        related = getattr(obj, field.name)
        return None if related is None else str(related)
    return field.value_from_object(obj)


# The client's links to manage and to confirm a meeting: keys, not information about them.
NOT_EXPORTED = {"manage_token", "confirm_token"}


def stored_fields(model) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if field.name not in NOT_EXPORTED]


def row_data(obj: models.Model) -> dict:
    """Every stored field of a row, by field name."""
    return {field.name: field_value(obj, field) for field in stored_fields(obj)}


def display_value(obj: models.Model, field: models.Field):
    return getattr(obj, f"get_{field.name}_display")() if field.choices else field_value(obj, field)


def row_display(obj: models.Model) -> list[tuple[str, object]]:
    """Every stored field of a row with its Finnish label and readable value, for the admin."""
    return [
        (str(field.verbose_name), display_value(obj, field)) for field in obj._meta.concrete_fields
    ]


def table_display(model: type[models.Model], rows) -> dict:
    """Rows of an inquiry's notes, history or emails as a table for the admin; every stored
    field except the link back to the inquiry, which the table sits under."""
    fields = [field for field in stored_fields(model) if field.name != "inquiry"]
    return {
        "headers": [str(field.verbose_name) for field in fields],
        "rows": [[display_value(row, field) for field in fields] for row in rows],
    }


@dataclass
class PersonData:
    inquiries: list[Inquiry]

    @property
    def row_count(self) -> int:
        return sum(
            1
            + len(inquiry.goals.all())
            + len(inquiry.notes.all())
            + len(inquiry.status_changes.all())
            + len(inquiry.notifications.all())
            + sum(1 + len(meeting.changes.all()) for meeting in inquiry.meetings.all())
            for inquiry in self.inquiries
        )

    def as_json_data(self) -> dict:
        return {
            "exported_at": timezone.now(),
            "inquiries": [
                {
                    **row_data(inquiry),
                    "goals": [goal.text for goal in inquiry.goals.all()],
                    "notes": [row_data(note) for note in inquiry.notes.all()],
                    "status_changes": [row_data(change) for change in inquiry.status_changes.all()],
                    "notifications": [row_data(item) for item in inquiry.notifications.all()],
                    "meetings": [
                        {
                            **row_data(meeting),
                            "changes": [row_data(change) for change in meeting.changes.all()],
                        }
                        for meeting in inquiry.meetings.all()
                    ],
                }
                for inquiry in self.inquiries
            ],
        }


def find_person(email: str) -> PersonData:
    return PersonData(inquiries=list(person_inquiries(email)))


def record(*, action: str, email: str, user, rows: int) -> PrivacyLog:
    return PrivacyLog.objects.create(
        action=action,
        user=user,
        username=user.get_username() if user else "",
        rows=rows,
        email_hash=email_hash(email),
    )


def erase_person(*, email: str, user) -> int:
    """Delete everything held about the address in one transaction; log it. Rows deleted."""
    with transaction.atomic():
        ids = list(Inquiry.objects.for_email(email).values_list("pk", flat=True))
        rows = delete_inquiries(ids)
        record(action=PrivacyLog.Action.ERASURE, email=email, user=user, rows=rows)
    logger.info("Erasure request: %d rows deleted", rows)
    return rows
