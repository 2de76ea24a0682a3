"""Schema.org data about the practice for search engines, built from the same records as the page.

The home page carries it as JSON-LD: a data block, not script, so the Content-Security-Policy's
script-src does not apply to it.
"""

import json

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language_info

from .models import Practice, Service
from .validators import normalize_phone

# The characters that could end the <script> element or start markup inside it, as JSON escapes
# (the same as django.utils.html.json_script uses).
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def local_business(practice: Practice, service: Service) -> dict:
    """The practice as a schema.org ProfessionalService (a LocalBusiness) offering the service."""
    home = absolute_url(reverse("services:home"))
    data = {
        "@context": "https://schema.org",
        "@type": "ProfessionalService",
        "@id": home + "#practice",
        "name": practice.name,
        "url": home,
        "image": absolute_url(static("img/share.png")),
        "email": practice.email,
        "telephone": normalize_phone(practice.phone),
        "taxID": practice.business_id,
        "address": {
            "@type": "PostalAddress",
            **({"streetAddress": practice.street_address} if practice.street_address else {}),
            "postalCode": practice.postal_code,
            "addressLocality": practice.city,
            "addressCountry": "FI",
        },
        "availableLanguage": [
            {"@type": "Language", "name": get_language_info(code)["name"], "alternateName": code}
            for code, _name in settings.LANGUAGES
        ],
        "makesOffer": {
            "@type": "Offer",
            "itemOffered": {
                "@type": "Service",
                "name": service.title,
                "description": service.seo_description or service.lead,
                "url": absolute_url(service.get_absolute_url()),
            },
        },
    }
    if service.seo_description:
        data["description"] = service.seo_description
    if practice.area_served:
        data["areaServed"] = practice.area_served
        data["makesOffer"]["areaServed"] = practice.area_served
    return data


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json"> element: nothing in it can close the tag."""
    return json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
