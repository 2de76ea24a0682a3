"""The order and names of the admin's front page and side menu, as Henna works.

Her own work first: the inquiries (with booking, the meetings right after them), then the
site's content, the users, and last the tables of the login security apps, which speak
English and use their app labels as headings ("AXES", "OTP_TOTP"): grouped under one heading
of ours, in Finnish (English under /en/admin/), and the one she never needs left out.
"""

from django.utils.translation import gettext_lazy as _

SECURITY = "security"

# Top to bottom. An app not listed comes after these, alphabetically. "meetings" keeps the
# place right after the inquiries for booking, should it come as an app of its own.
APP_ORDER = ["bookings", "meetings", "services", "auth", SECURITY]
# Within an app: these models first, in this order, then the rest alphabetically. A meeting
# model in bookings goes right after the inquiries.
MODEL_ORDER = {"bookings": ["inquiry", "meeting"]}

SECURITY_NAME = _("Kirjautumisturva")
# In this order under the heading.
SECURITY_MODELS = {
    ("otp_totp", "totpdevice"): _("Todennussovellukset"),
    ("otp_static", "staticdevice"): _("Varakoodit"),
    ("axes", "accessattempt"): _("Epäonnistuneet kirjautumisyritykset"),
    ("axes", "accesslog"): _("Kirjautumishistoria"),
}
SECURITY_APPS = {app_label for app_label, _model in SECURITY_MODELS}
# Empty by design (AXES_ENABLE_ACCESS_FAILURE_LOG is off): nothing to show her.
HIDDEN_MODELS = {("axes", "accessfailurelog")}


def arrange(app_list: list[dict], *, group: bool = True) -> list[dict]:
    """The admin's app list in Henna's order, with the security apps' tables renamed and, on
    the front page and the side menu (group), put under one heading."""
    security = None
    arranged = []
    for app in app_list:
        models = []
        for model in app["models"]:
            key = model_key(model)
            if key in HIDDEN_MODELS:
                continue
            if key in SECURITY_MODELS:
                model["name"] = SECURITY_MODELS[key]
            models.append(model)
        if not models:
            continue
        app["models"] = sort_models(app["app_label"], models)
        if app["app_label"] in SECURITY_APPS:
            if not group:  # One app's own page (/admin/axes/): only its heading changes.
                app["name"] = SECURITY_NAME
            elif security is None:
                security = {**app, "name": SECURITY_NAME, "app_label": SECURITY}
                arranged.append(security)
                continue
            else:
                security["models"] = security["models"] + app["models"]
                continue
        arranged.append(app)
    if security is not None:
        security["models"].sort(key=lambda model: list(SECURITY_MODELS).index(model_key(model)))
    return sorted(arranged, key=app_position)


def model_key(model: dict) -> tuple[str, str]:
    return model["model"]._meta.app_label, model["model"]._meta.model_name


def sort_models(app_label: str, models: list[dict]) -> list[dict]:
    first = MODEL_ORDER.get(app_label, [])

    def position(model):
        name = model["object_name"].lower()
        return (first.index(name) if name in first else len(first), str(model["name"]))

    return sorted(models, key=position)


def app_position(app: dict):
    label = app["app_label"]
    return (
        APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER),
        str(app["name"]).lower(),
    )
