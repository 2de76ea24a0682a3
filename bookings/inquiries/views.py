from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from aventuria.cache import cached
from aventuria.shared_pages import page_address
from services.content import cached_privacy_notice
from services.models import Goal, Page
from services.views import ContentView

from . import services
from .forms import InquiryForm
from .spam import FormToken, client_key

# Stand-ins for the per-visitor tokens in the cached copy of the empty form.
TOKEN_SLOT = "inquiry-form-token-slot"  # noqa: S105 - a placeholder, not a secret
CSRF_SLOT = "inquiry-form-csrf-slot"


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class InquiryView(View):
    template_name = "bookings/inquiry_form.html"
    # Set when CSRF verification failed (see aventuria.views.csrf_failure).
    csrf_failed = False

    def goals(self):
        return Goal.objects.filter(service__is_main=True, service__published=True)

    def render(self, form, status=200):
        context = {"form": form, "page": Page.objects.filter(key=Page.Key.INQUIRY).first()}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request):
        # The empty form is the same for everyone but for its two tokens, and crispy-forms takes
        # some 35 ms to render it: render it once per content version and address, then put
        # this visitor's tokens into the copy.
        html = cached(f"inquiry-form:{page_address(request)}", self.render_empty_form)
        html = html.replace(TOKEN_SLOT, FormToken.issue()).replace(CSRF_SLOT, get_token(request))
        return HttpResponse(html)

    def render_empty_form(self) -> str:
        response = self.render(InquiryForm(initial={"token": TOKEN_SLOT}, goals=self.goals()))
        response.context_data["csrf_token"] = CSRF_SLOT
        return response.rendered_content

    @method_decorator(sensitive_variables())
    def post(self, request):
        form = InquiryForm(request.POST, goals=self.goals())
        if self.csrf_failed:
            return self.render_with_error(
                form,
                _(
                    "Lomakkeen turvatarkistus vanheni, joten yhteydenottoa ei vielä lähetetty. "
                    "Tarkista tiedot ja lähetä lomake uudelleen."
                ),
                status=403,
            )
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        token = FormToken.read(data["token"])
        if token is None:
            # Tampered with, or left open for too long: keep what was typed, ask to send again.
            return self.render_with_error(
                form,
                _("Lomake ehti vanhentua. Tarkista tiedot ja lähetä lomake uudelleen."),
                status=400,
            )
        key = client_key(request)
        is_spam = bool(data["website"]) or token.filled_too_fast()
        if services.rate_limited(client_key=key, submission_id=token.submission_id):
            if is_spam:
                # A bot hammering the form: thank it and store nothing more.
                return redirect("bookings:thanks")
            return self.render_with_error(
                form,
                _(
                    "Tästä osoitteesta on lähetetty juuri monta yhteydenottoa. Yritä myöhemmin "
                    "uudelleen tai ota yhteyttä puhelimitse tai sähköpostilla."
                ),
                status=429,
            )
        content = {
            "kind": data["kind"],
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "organisation": data["organisation"],
            "participants": data["participants"],
            "format": data["format"],
            "preferred_times": data["preferred_times"],
            "message": data["message"],
        }
        inquiry, created = services.submit_inquiry(
            submission_id=token.submission_id,
            goals=list(data["goals"]),
            language=get_language(),
            client_key=key,
            privacy_notice=cached_privacy_notice(),
            is_spam=is_spam,
            **content,
        )
        if (
            not created
            and inquiry.submission_id == token.submission_id
            and not services.is_same_content(inquiry, goals=data["goals"], **content)
        ):
            # The same form sent again, edited: the first version stays, and the visitor is
            # told so. A new form (counted from the first) lets them send the edit as a new one.
            return self.render_with_error(
                form,
                _(
                    "Olet jo lähettänyt tämän lomakkeen, ja sen ensimmäinen versio on "
                    "vastaanotettu. Muutoksia ei tallennettu. Jos haluat lähettää muutetut "
                    "tiedot uutena yhteydenottona, lähetä lomake uudelleen."
                ),
                status=409,
                token=FormToken.issue(issued_at=token.issued_at),
            )
        # Spam is stored quietly and thanked like anyone else: no hint for the bot's author.
        return redirect("bookings:thanks")

    def render_with_error(self, form, message, status, token=None):
        new_data = form.data.copy()
        new_data["token"] = token or FormToken.renew(form.data.get("token", ""))
        refreshed = InquiryForm(new_data, goals=self.goals())
        refreshed.is_valid()
        refreshed.add_error(None, message)
        return self.render(refreshed, status=status)


class ThanksView(ContentView):
    template_name = "bookings/thanks.html"

    def get_context_data(self):
        return {"page": get_object_or_404(Page, key=Page.Key.THANKS)}
