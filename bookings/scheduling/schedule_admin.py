"""Scheduling from the admin: on an inquiry's page, "Varaa tapaaminen" books one session or a
series for that client, with a preview of the dates before anything is saved.

The preview flags public holidays, Henna's days off and overlaps with other meetings. An overlap
is saved only when she ticks "Hyväksyn päällekkäisyyden" (see bookings.scheduling.meetings); a
busy time in her own calendar is only pointed out.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..models import AvailabilityException, BusyInterval, Inquiry, Meeting, MeetingType
from . import meetings, slots
from .availability import find_overlaps
from .series import MAX_EVERY_WEEKS, MAX_SESSIONS, DayOff, plan_series

OVERLAPS_SALT = "bookings.schedule-overlaps"
USUAL_TYPE_OF_KIND = {
    Inquiry.Kind.INDIVIDUAL: "Yksilötyönohjaus",
    Inquiry.Kind.GROUP: "Ryhmätyönohjaus",
    Inquiry.Kind.COMMUNITY: "Työyhteisön työnohjaus",
}


class ScheduleForm(forms.Form):
    meeting_type = forms.ModelChoiceField(
        label=gettext_lazy("Tapaamistyyppi"),
        queryset=MeetingType.objects.all(),
        help_text=gettext_lazy(
            "Tapaamisen pituus tulee tapaamistyypistä. Uuden tyypin (esim. eri pituisen) voit "
            "lisätä kohdassa Tapaamistyypit."
        ),
    )
    place = forms.ChoiceField(label=gettext_lazy("Paikka"), choices=Meeting.Place.choices)
    video_link = forms.URLField(
        label=gettext_lazy("Videolinkki (vapaaehtoinen)"),
        max_length=Meeting._meta.get_field("video_link").max_length,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Etätapaamisen oma linkki. Tyhjä: tapaamistyypin videolinkki, tai jos sitäkään ei "
            "ole, voit lisätä linkin myöhemmin tapaamisen sivulla."
        ),
    )
    # Text in the Finnish way (16.3.2027, 14.00): a browser's own date and time pickers follow
    # its language, not the page's, and showed 12/08/2026 and 02:00 PM.
    date = forms.DateField(
        label=gettext_lazy("Päivä"),
        input_formats=["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"size": 10, "inputmode": "decimal"}),
        help_text=gettext_lazy("Esimerkiksi 16.3.2027."),
    )
    time = forms.TimeField(
        label=gettext_lazy("Kellonaika"),
        input_formats=["%H.%M", "%H:%M", "%H"],
        widget=forms.TimeInput(format="%H.%M", attrs={"size": 6, "inputmode": "decimal"}),
        help_text=gettext_lazy("Esimerkiksi 14.00 tai 14."),
    )
    count = forms.IntegerField(
        label=gettext_lazy("Kertoja"),
        min_value=1,
        max_value=MAX_SESSIONS,
        initial=1,
        help_text=gettext_lazy("1 = yksi tapaaminen; useampi tekee sarjan."),
    )
    every_weeks = forms.IntegerField(
        label=gettext_lazy("Väli viikkoina"),
        min_value=1,
        max_value=MAX_EVERY_WEEKS,
        initial=4,
        help_text=gettext_lazy("Sarjan väli viikkoina, esimerkiksi 4 = joka neljäs viikko."),
    )
    confirm_overlap = forms.BooleanField(
        label=gettext_lazy("Hyväksyn päällekkäisyyden"),
        required=False,
        help_text=gettext_lazy(
            "Vain jos esikatselu näyttää päällekkäisen tapaamisen ja se on tarkoituksellista."
        ),
    )
    # The overlaps the preview showed, signed: ticking the box accepts those and no others.
    seen_overlaps = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        meeting_type, place = cleaned.get("meeting_type"), cleaned.get("place")
        if meeting_type and place and place not in meeting_type.places:
            self.add_error(
                "place",
                _("Tapaamistyyppi %(type)s ei ole tarjolla tässä paikassa.")
                % {"type": meeting_type},
            )
        first, count, every = cleaned.get("date"), cleaned.get("count"), cleaned.get("every_weeks")
        if first and count and every:
            last_year = first.year + (every * 7 * (count - 1)) // 365 + 1
            if not (first.year >= meetings.MIN_YEAR and last_year <= meetings.MAX_YEAR):
                self.add_error(
                    "date",
                    _("Anna päivä niin, että sarja osuu vuosille %(first)s–%(last)s.")
                    % {"first": meetings.MIN_YEAR, "last": meetings.MAX_YEAR},
                )
        return cleaned

    def accepted_overlaps(self) -> list[tuple]:
        """The (session start, meeting id) pairs the preview showed, when the box is ticked."""
        if not self.cleaned_data.get("confirm_overlap"):
            return []
        try:
            seen = signing.loads(self.cleaned_data["seen_overlaps"], salt=OVERLAPS_SALT)
        except signing.BadSignature:
            return []
        return [(datetime.fromisoformat(start), pk) for start, pk in seen]

    def show_overlaps(self, overlaps) -> None:
        """Put the overlaps this page shows into it, for the save that may follow."""
        seen = [[o.start.isoformat(), m.pk] for o in overlaps for m in o.meetings]
        self.data = self.data.copy()
        self.data[self.add_prefix("seen_overlaps")] = signing.dumps(seen, salt=OVERLAPS_SALT)

    def sessions(self):
        """The planned sessions, flagged with holidays and days off (no overlaps yet)."""
        data = self.cleaned_data
        first = data["date"]
        last = first + timedelta(weeks=data["every_weeks"] * (data["count"] - 1))
        language = "fi" if translation.get_language() == "fi" else "en_US"
        calendar = slots.holidays_between(first, last, language)
        days_off = [
            DayOff(first=e.start_date, last=e.last_date, note=e.note)
            for e in AvailabilityException.objects.filter(
                kind=AvailabilityException.Kind.OFF, start_date__lte=last
            ).exclude(end_date__lt=first)
        ]
        return plan_series(
            first=first,
            at=data["time"],
            duration=data["meeting_type"].duration,
            every_weeks=data["every_weeks"],
            count=data["count"],
            holidays=calendar,
            days_off=days_off,
        )


def time_warnings(*, meeting_type: MeetingType, start, end) -> list[str]:
    """What Henna should know before putting a meeting at start-end, as the scheduling preview
    flags it: a public holiday, a day she marked off, a busy time in her own calendar (with the
    type's breaks). Warnings only: she decides."""
    day = slots.local_date(start)
    language = "fi" if translation.get_language() == "fi" else "en_US"
    session = plan_series(
        first=day,
        at=timezone.localtime(start).time(),
        duration=end - start,
        every_weeks=1,
        count=1,
        holidays=slots.holidays_between(day, day, language),
        days_off=[
            DayOff(first=e.start_date, last=e.last_date, note=e.note)
            for e in AvailabilityException.objects.filter(
                kind=AvailabilityException.Kind.OFF, start_date__lte=day
            )
            .exclude(end_date__lt=day)
            .exclude(end_date__isnull=True, start_date__lt=day)
        ],
    )[0]
    warnings = []
    if session.holiday:
        warnings.append(
            _("%(day)s on arkipyhä: %(name)s.")
            % {"day": f"{day:%-d.%-m.%Y}", "name": session.holiday}
        )
    if session.day_off:
        note = "" if session.day_off == "-" else f" ({session.day_off})"
        warnings.append(
            _("Olet merkinnyt päivän %(day)s vapaaksi%(note)s.")
            % {"day": date_format(day, "j.n.Y"), "note": note}
        )
    held = meeting_type.blocked_range(start, end)
    if slots.overlapping(held, BusyInterval.objects.overlapping(*held)):
        warnings.append(_("Omassa kalenterissasi on tuolloin varattu aika."))
    return warnings


class ScheduleAdminMixin:
    """For InquiryAdmin: the "Varaa tapaaminen" page of an inquiry."""

    schedule_template = "admin/bookings/inquiry/schedule.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:inquiry_id>/varaa/",
                self.admin_site.admin_view(self.schedule_view),
                name="{}_{}_schedule".format(*info),
            ),
            *super().get_urls(),
        ]

    def schedule_view(self, request, inquiry_id):
        if not request.user.has_perm("bookings.add_meeting"):
            raise PermissionDenied
        inquiry = get_object_or_404(Inquiry, pk=inquiry_id)
        form = ScheduleForm(request.POST or None, initial=self.schedule_initial(inquiry))
        preview, overlaps = [], {}
        if request.method == "POST" and form.is_valid():
            sessions = form.sessions()
            spans = [(s.start, s.end) for s in sessions]
            meeting_type = form.cleaned_data["meeting_type"]
            found = find_overlaps(meeting_type=meeting_type, sessions=spans)
            overlaps = {o.start: o.meetings for o in found}
            form.show_overlaps(found)
            # Henna's own calendar: a warning only, she knows whether it may move. Its busy
            # times count with the session's breaks, as on the booking page.
            held = [meeting_type.blocked_range(start, end) for start, end in spans]
            busy = BusyInterval.objects.overlapping(held[0][0], held[-1][1])
            preview = [
                {
                    "session": s,
                    "overlaps": overlaps.get(s.start, []),
                    "busy": bool(slots.overlapping(span, busy)),
                }
                for s, span in zip(sessions, held, strict=True)
            ]
            if "_save" in request.POST:
                if overlaps and not form.cleaned_data["confirm_overlap"]:
                    form.add_error(
                        "confirm_overlap",
                        _(
                            "Osa ajoista menee päällekkäin toisen tapaamisen kanssa. Valitse "
                            "toinen aika tai hyväksy päällekkäisyys."
                        ),
                    )
                else:
                    try:
                        scheduled = meetings.schedule_meetings(
                            inquiry=inquiry,
                            meeting_type=meeting_type,
                            place=form.cleaned_data["place"],
                            sessions=spans,
                            accepted_overlaps=form.accepted_overlaps(),
                            video_link=form.cleaned_data["video_link"],
                            user=request.user,
                        )
                    except meetings.MeetingRefused as refused:
                        form.add_error(
                            None,
                            _(
                                "Päällekkäisyydet muuttuivat esikatselun jälkeen: %(reason)s "
                                "Tarkista esikatselu uudelleen."
                            )
                            % {"reason": refused.message}
                            if refused.code == meetings.TAKEN
                            else refused.message,
                        )
                    else:
                        self.message_user(
                            request,
                            ngettext(
                                "%(count)d tapaaminen varattu; kutsu lähtee asiakkaalle.",
                                "%(count)d tapaamista varattu; kutsut lähtevät asiakkaalle.",
                                len(scheduled),
                            )
                            % {"count": len(scheduled)},
                            messages.SUCCESS,
                        )
                        return redirect(reverse("admin:bookings_inquiry_change", args=[inquiry.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Varaa tapaaminen: %(reference)s") % {"reference": inquiry.reference},
            "inquiry": inquiry,
            "form": form,
            "preview": preview,
            "has_overlaps": bool(overlaps),
            "forwards": inquiry.kind in Inquiry.GROUP_KINDS,
        }
        return TemplateResponse(request, self.schedule_template, context)

    def schedule_initial(self, inquiry) -> dict:
        tomorrow = timezone.localdate() + timedelta(days=1)
        # The session type of the inquiry's kind, as migration 0010 names them, if it is there.
        usual = USUAL_TYPE_OF_KIND.get(inquiry.considered_kind or inquiry.kind)
        types = MeetingType.objects.order_by("pk").values_list("pk", flat=True)
        return {
            "meeting_type": (usual and types.filter(name_fi=usual).first()) or types.first(),
            "place": Meeting.Place.KOTKA,
            "date": tomorrow,
            "time": time(14),
        }

    @admin.display(description=gettext_lazy("pidettyjä tapaamisia"))
    def held_sessions(self, obj):
        if obj.pk is None:
            return "-"
        return obj.meetings.filter(status=Meeting.Status.HELD).count()
