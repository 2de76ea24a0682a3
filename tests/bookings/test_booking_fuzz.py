"""Whatever a bot or a broken browser posts to the booking form or a manage page, the answer is
never an error page, and no meeting is ever booked at a time that was not on offer."""

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.booking_forms import BookingForm
from bookings.models import Meeting
from bookings.spam import FormToken
from tests.bookings.booking_helpers import booked
from tests.bookings.test_fuzz import any_text, extra_fields, junk

FIELDS = tuple(BookingForm.base_fields)
# Times a tamperer might try: around the clock, any offset, out-of-range dates.
slot_values = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "2027-02-30"]),
)
plausible = {
    "slot": slot_values,
    "considered_kind": st.sampled_from(["individual", "group", "community", "intro"]),
    "place": st.sampled_from(["kotka", "remote", "phone", "moon"]),
    "email": st.emails(),
    "consent": st.just("on"),
    "website": st.just(""),
    "token": st.builds(FormToken.issue),
}
forms = st.fixed_dictionaries(
    {},
    optional={name: (plausible[name] | junk) if name in plausible else junk for name in FIELDS},
)


@pytest.fixture
def booking_urls():
    urls = [reverse("bookings:booking")]
    with translation.override("en"):
        urls.append(reverse("bookings:booking"))
    return urls


@pytest.mark.django_db
@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=forms, extra=extra_fields, english=st.booleans(), week=any_text | junk)
def test_no_generated_booking_gets_an_error_page_or_an_unoffered_time(
    client, settings, booking_urls, form, extra, english, week
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = "100000/h"
    response = client.post(booking_urls[english], {**extra, **form})
    assert response.status_code in (200, 302, 400, 403, 409, 429)
    # A generated time is never on the grid of free times, so nothing is ever booked.
    assert not Meeting.objects.exists()
    assert client.get(booking_urls[english], {"week": week}).status_code == 200


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(action=st.sampled_from(["move", "cancel", "", "x"]) | junk, slot=slot_values | junk)
def test_no_generated_change_on_a_manage_page_gets_an_error_page(client, action, slot):
    meeting = Meeting.objects.first() or booked()
    response = client.post(meeting.get_manage_url(), {"action": action, "slot": slot})
    assert response.status_code in (200, 302, 400, 404, 409)
