"""The bookings app's models: inquiries and their queue, the meetings booked for them, and
Henna's own calendar (busy times in, her meetings out as a feed)."""

from .billing import (
    ImmutableRecord,
    Invoice,
    InvoiceCounter,
    InvoiceEvent,
    InvoiceLine,
    InvoiceQuerySet,
    Payer,
    PayerPrice,
)
from .calendar import BusyInterval, BusyIntervalQuerySet, CalendarFeed, CalendarSync
from .inquiries import (
    MESSAGE_MAX_LENGTH,
    PARTICIPANTS_MAX,
    PARTICIPANTS_MIN,
    Inquiry,
    InquiryNote,
    InquiryQuerySet,
    Notification,
    PrivacyLog,
    StatusChange,
    new_reference,
)
from .meetings import (
    AvailabilityException,
    Meeting,
    MeetingChange,
    MeetingQuerySet,
    MeetingType,
    Weekday,
    WeeklyHours,
)

__all__ = [
    "MESSAGE_MAX_LENGTH",
    "PARTICIPANTS_MAX",
    "PARTICIPANTS_MIN",
    "AvailabilityException",
    "BusyInterval",
    "BusyIntervalQuerySet",
    "CalendarFeed",
    "CalendarSync",
    "ImmutableRecord",
    "Inquiry",
    "InquiryNote",
    "InquiryQuerySet",
    "Invoice",
    "InvoiceCounter",
    "InvoiceEvent",
    "InvoiceLine",
    "InvoiceQuerySet",
    "Meeting",
    "MeetingChange",
    "MeetingQuerySet",
    "MeetingType",
    "Notification",
    "Payer",
    "PayerPrice",
    "PrivacyLog",
    "StatusChange",
    "Weekday",
    "WeeklyHours",
    "new_reference",
]
