"""The site bench/booking serves: production's WSGI application with the caps on holds lifted,
and a plain Django view at /plain/ (bench/booking_urls.py) as the yardstick.

Since issue 18 a new client's booking is a hold until confirmed, two per network and five in
all, and every request of the bench comes from 127.0.0.1: with the caps in place the served
POSTs booked 2 of 30 times and the race's 50 clients were all refused. The bench measures the
write path and its lock; bench/abuse measures the limits.
"""

from django.conf import settings

from aventuria.wsgi import application  # sets Django up: the import below needs the models
from bookings.scheduling import meetings

meetings.MAX_HOLDS = meetings.MAX_HOLDS_PER_NETWORK = 10**6
settings.ROOT_URLCONF = "booking_urls"

__all__ = ["application"]
