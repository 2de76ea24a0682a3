"""The client's own pages of a booking, reached with the unguessable link in their email: the
confirmation, the page to move the meeting, the step that asks once more before cancelling it,
and the invitation to download."""

import re
import time

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from aventuria.cache import try_cache
from services.content import cached_practice

from ..inquiries.spam import client_key
from ..models import Meeting
from ..outbox.emails import meeting_when
from ..outbox.invitations import invitation_ics_response
from . import meetings
from .forms import SlotForm
from .slots import local_date
from .views import Week, client_error, slot_week

# What bookings.models.meetings.new_manage_token makes (secrets.token_urlsafe).
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Posts to the client's pages (move, cancel, confirm) that one network (an IPv6 /64) may send
# in an hour: a client needs a few; a script trying tokens or moving a meeting to and fro, more.
POSTS_PER_HOUR = 20


def too_many_posts(request) -> bool:
    """Count this post against its network's hour; True when it is over POSTS_PER_HOUR.
    Counted in the shared cache (a lost count only lets a few more through)."""
    key = f"client-pages:{client_key(request)}:{int(time.time() // 3600)}"
    try_cache("add", key, 0, timeout=3600)
    return (try_cache("incr", key, failed=0) or 0) > POSTS_PER_HOUR


def too_many_posts_page(request, meeting: Meeting | None):
    """The refusal: the meeting as it is, with a clear message, never an error page."""
    message = _(
        "Tästä osoitteesta on lähetetty juuri monta muutosta. Yritä tunnin päästä uudelleen tai "
        "ota yhteyttä puhelimitse tai sähköpostilla."
    )
    if meeting is None:
        return not_found(request)
    context = {**meeting_context(meeting), "error": message}
    return TemplateResponse(request, "bookings/booking_manage.html", context, status=429)


def meeting_for(token: str) -> Meeting | None:
    """The meeting of a manage link, or None for a wrong link or one whose meeting is over."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None  # not one of ours (PostgreSQL would refuse a NUL character outright)
    meeting = (
        Meeting.objects.select_related("meeting_type", "inquiry").filter(manage_token=token).first()
    )
    if meeting is None or meeting.end < timezone.now():
        return None
    return meeting


def not_found(request):
    return TemplateResponse(request, "bookings/booking_not_found.html", status=404)


def meeting_context(meeting: Meeting) -> dict:
    practice = cached_practice()
    may_change = meetings.client_may_change(meeting)
    return {
        "meeting": meeting,
        "when": meeting_when(meeting),
        "practice": practice,
        "may_change": may_change,
        # A hold is confirmed from the email first: the page that gave its link to whoever
        # booked it must not let them move it about (nor learn the video link).
        "may_move": may_change and not meeting.is_hold and meetings.client_may_move(meeting),
        "hold_minutes": meetings.HOLD_MINUTES,
        # Behind the client's own link only: never on a public page.
        "video_link": "" if meeting.is_hold else meeting.remote_link,
    }


@method_decorator(never_cache, name="dispatch")
class ConfirmationView(View):
    def get(self, request, token):
        meeting = meeting_for(token)
        if meeting is None:
            return not_found(request)
        context = meeting_context(meeting)
        context["moved"] = meeting.sequence > 0 and meeting.is_active
        return TemplateResponse(request, "bookings/booking_confirmation.html", context)


@method_decorator(never_cache, name="dispatch")
class ManageView(View):
    template_name = "bookings/booking_manage.html"

    def render(self, meeting, *, form=None, week=None, status=200, error=None):
        context = meeting_context(meeting)
        if context["may_move"]:
            # The picker opens at the meeting's own week: moving by a day is one click.
            week = Week(meeting.meeting_type, week or local_date(meeting.start).isoformat())
            form = form or SlotForm()
            starts = week.free_slots(meeting.meeting_type, ignore_meeting_id=meeting.pk)
            # Its own time is free for it, but no place to move to: shown, marked, not offered.
            in_week = week.window.first_day <= local_date(meeting.start) <= week.window.last_day
            form.fields["slot"].set_choices(
                [start for start in starts if start != meeting.start],
                current=meeting.start if in_week else None,
            )
            context.update(form=form, week=week, moving=True)
        context["error"] = error
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, token):
        meeting = meeting_for(token)
        if meeting is None:
            return not_found(request)
        return self.render(meeting, week=request.GET.get("week"))

    def post(self, request, token):
        if too_many_posts(request):
            return too_many_posts_page(request, meeting_for(token))
        meeting = meeting_for(token)
        if meeting is None:
            return not_found(request)
        if request.POST.get("action") == "cancel":
            # A form from before the confirmation step (a page left open): ask first.
            return redirect("bookings:cancel", token=token)
        try:
            form = SlotForm(request.POST)
            if not form.is_valid():
                return self.render(meeting, form=form, week=slot_week(form), status=400)
            meetings.move_meeting(
                meeting=meeting, new_start=form.cleaned_data["slot"], by_client=True
            )
        except meetings.MeetingRefused as error:
            status, _field, message = client_error(error.code)
            meeting.refresh_from_db()
            return self.render(meeting, status=status, error=message())
        return redirect("bookings:confirmation", token=token)


@method_decorator(never_cache, name="dispatch")
class CancelView(ManageView):
    """Cancelling asks once more: GET shows the meeting and "Peru tapaaminen?", POST cancels.
    One tap on a phone must not cancel anything, and no JavaScript is needed for the question."""

    confirm_template = "bookings/booking_cancel.html"

    def get(self, request, token):
        meeting = meeting_for(token)
        if meeting is None:
            return not_found(request)
        context = meeting_context(meeting)
        if not meeting.is_active or not context["may_change"]:
            # Cancelled already, or too late: the manage page says what is possible.
            return redirect("bookings:manage", token=token)
        return TemplateResponse(request, self.confirm_template, context)

    def post(self, request, token):
        if too_many_posts(request):
            return too_many_posts_page(request, meeting_for(token))
        meeting = meeting_for(token)
        if meeting is None:
            return not_found(request)
        try:
            meetings.cancel_meeting(meeting=meeting, by_client=True)
        except meetings.MeetingRefused as error:
            if error.code == meetings.NOT_ACTIVE:  # a reload of the answer: nothing more to do
                return redirect("bookings:manage", token=token)
            status, _field, message = client_error(error.code)
            meeting.refresh_from_db()
            return self.render(meeting, status=status, error=message())
        return redirect("bookings:manage", token=token)


@method_decorator(never_cache, name="dispatch")
class ConfirmBookingView(View):
    """The link in a new client's first email: a page with one button, since mail scanners open
    links; the POST confirms the held booking (bookings.scheduling.meetings.confirm_booking)."""

    template_name = "bookings/booking_confirm.html"

    def held(self, token) -> Meeting | None:
        if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
            return None
        return (
            Meeting.objects.select_related("meeting_type", "inquiry")
            .filter(confirm_token=token, end__gte=timezone.now())
            .first()
        )

    def expired(self, meeting):
        context = {**meeting_context(meeting), "expired": True}
        return TemplateResponse(self.request, self.template_name, context, status=410)

    def get(self, request, token):
        meeting = self.held(token)
        if meeting is None:
            return not_found(request)
        if not meeting.is_hold and meeting.is_active:
            return redirect("bookings:confirmation", token=meeting.manage_token)
        if not meeting.is_active or meeting.hold_until <= timezone.now():
            return self.expired(meeting)
        return TemplateResponse(request, self.template_name, meeting_context(meeting))

    def post(self, request, token):
        if too_many_posts(request):
            return too_many_posts_page(request, None)
        meeting = self.held(token)
        if meeting is None:
            return not_found(request)
        try:
            meeting = meetings.confirm_booking(token=token)
        except meetings.MeetingRefused:
            return self.expired(meeting)
        return redirect("bookings:confirmation", token=meeting.manage_token)


def invitation(request, token):
    meeting = meeting_for(token)
    if meeting is None or meeting.is_hold:
        return not_found(request)
    return invitation_ics_response(meeting, cached_practice())
