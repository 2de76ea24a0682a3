"""The bookings app's admin, as Django's autodiscovery finds it: each job keeps its own."""

from .billing import admin as billing_admin
from .calendar import admin as calendar_admin
from .inquiries import admin as inquiries_admin
from .inquiries import privacy_admin
from .scheduling import admin as scheduling_admin

__all__ = [
    "billing_admin",
    "calendar_admin",
    "inquiries_admin",
    "privacy_admin",
    "scheduling_admin",
]
