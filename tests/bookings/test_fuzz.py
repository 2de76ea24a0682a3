"""Whatever a bot or a broken browser posts to the inquiry form, the answer is never an error page.

Hypothesis generates forms. Half are anything: long strings, control and invisible characters,
any Unicode, missing and extra fields, numbers and booleans where text belongs, several values
for one field.
The other half are forms a person could send, with odd text in them and at most one field
replaced by junk, so the generated data also reaches validation and storage, not only the first
checks: the test counts the inquiries stored.

Whatever a bot or a broken browser posts to the booking form or a manage page, the answer is
never an error page, and no meeting is ever booked at a time that was not on offer."""

from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bookings.inquiries.forms import InquiryForm
from bookings.inquiries.spam import FormToken
from bookings.models import Inquiry, Meeting
from bookings.scheduling.forms import BookingForm
from tests.bookings.booking_helpers import booked
from tests.hypothesis_profiles import examples

# The forms' answers do not depend on the database: CI fuzzes them in one leg.
pytestmark = pytest.mark.once

# Every field the form has, so that a field added later is fuzzed too.
FIELDS = tuple(InquiryForm.base_fields)

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=50)
control_text = st.text(
    st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u200b\u202e\u2028\ufeff\ufffd"),
    max_size=40,
)
# Longer than any field allows (the message takes 2,000). Built by repetition: generating
# thousands of characters one at a time is slow.
long_text = st.builds(
    lambda part, times: (part * times)[:2100], any_text.filter(bool), st.integers(100, 2100)
)
scalar = st.one_of(
    any_text,
    control_text,
    long_text,
    st.integers(),
    st.floats(),
    st.booleans(),
)
junk = scalar | st.lists(scalar, min_size=2, max_size=3)

plausible = {
    "kind": st.sampled_from(Inquiry.Kind.values),
    "email": st.emails(),
    "participants": st.integers(-5, 1000),
    "goals": st.lists(st.integers(-1, 50) | st.integers(), max_size=4),
    "format": st.sampled_from(Inquiry.Format.values),
    "consent": st.just("on"),
    "website": st.just(""),
    "token": st.builds(FormToken.issue),
}
forms = st.fixed_dictionaries(
    {},
    optional={name: (plausible[name] | junk) if name in plausible else junk for name in FIELDS},
)
# The other half: a form a person could send, with odd text (any Unicode, control and invisible
# characters) in its free-text fields, and at most one field replaced by junk. These reach the
# storage path; the test counts the inquiries stored.
valid = {
    **plausible,
    "kind": st.sampled_from(Inquiry.Kind.values),
    "name": any_text.filter(str.strip),
    "phone": st.sampled_from(["", "040 123 4567", "+358 40 123 4567"]),
    "organisation": any_text | control_text,
    "participants": st.integers(2, 200),
    "goals": st.just([]),
    "preferred_times": any_text | control_text,
    "message": any_text | control_text,
}
valid_forms = st.builds(
    lambda form, junk_field: {**form, **junk_field},
    st.fixed_dictionaries({name: valid[name] for name in FIELDS if name in valid}),
    st.dictionaries(st.sampled_from(FIELDS), junk, max_size=1),
)
extra_fields = st.dictionaries(any_text.filter(lambda key: key not in FIELDS), junk, max_size=3)


@pytest.fixture
def inquiry_urls():
    urls = [reverse("bookings:inquiry")]
    with translation.override("en"):
        urls.append(reverse("bookings:inquiry"))
    return urls


@pytest.mark.django_db
def test_no_generated_form_gets_an_error_page(client, settings, inquiry_urls, capsys):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    # The rate limit would turn every generated form after the fifth into a 429 before it got
    # near the storage path; the limit has tests of its own (test_spam).
    settings.INQUIRY_RATE_LIMIT = "1000000/h"
    statuses = []

    @hypothesis_settings(
        max_examples=examples(1000),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(form=forms | valid_forms, extra=extra_fields, english=st.booleans())
    def post_generated_form(form, extra, english):
        response = client.post(inquiry_urls[english], {**extra, **form})
        assert response.status_code in (200, 302, 400, 403, 409, 429)
        statuses.append(response.status_code)

    post_generated_form()
    stored = Inquiry.objects.count()
    spam = Inquiry.objects.filter(status=Inquiry.Status.SPAM).count()
    with capsys.disabled():
        answers = sorted(Counter(statuses).items())
        print(
            f"\nfuzz: {len(statuses)} generated forms, {statuses.count(302)} thanked, "
            f"{stored} stored as inquiries ({spam} as spam); answers {answers}"
        )
    # The generated data reaches the storage path, not only the first checks.
    assert stored >= examples(1000) // 5
    assert 429 not in statuses


@pytest.mark.django_db
def test_a_goal_id_beyond_any_database_integer_is_an_invalid_choice(client, filled_form):
    response = client.post(
        reverse("bookings:inquiry"), filled_form(goals=["1", str(2**63)]), follow=False
    )

    assert response.status_code == 400
    assert "ei ole kelvollinen arvo" in response.content.decode()
    assert not Inquiry.objects.exists()


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
    max_examples=examples(400),
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
    max_examples=examples(150),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(action=st.sampled_from(["move", "cancel", "", "x"]) | junk, slot=slot_values | junk)
def test_no_generated_change_on_a_manage_page_gets_an_error_page(client, monkeypatch, action, slot):
    from bookings.scheduling import manage_views

    # Every example is posted, not refused by the limit of posts per network.
    monkeypatch.setattr(manage_views, "POSTS_PER_HOUR", 10**6)
    meeting = Meeting.objects.first() or booked()
    response = client.post(meeting.get_manage_url(), {"action": action, "slot": slot})
    # 429: moved three times today already, a page that says so.
    assert response.status_code in (200, 302, 400, 404, 409, 429)
