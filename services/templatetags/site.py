from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language, get_language_info, override

register = template.Library()


@register.filter
def blocks(text: str) -> list[dict]:
    """Split Henna's plain text into paragraphs and '## ' subheadings (no markup is trusted)."""
    result = []
    for chunk in (text or "").replace("\r\n", "\n").split("\n\n"):
        chunk = chunk.strip()
        if chunk.startswith("## "):
            result.append({"heading": chunk[3:].strip()})
        elif chunk:
            result.append({"paragraph": chunk})
    return result


@register.filter
def fill(text: str, values: dict) -> str:
    """Put setting values into {name} placeholders; unknown names stay as they are."""
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return text


@register.simple_tag(takes_context=True)
def alternates(context) -> list[dict]:
    """This page in every language: for hreflang links and the language switch."""
    request = context.get("request")
    path = request.path if request else "/"
    current = get_language()
    result = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        url = translate_url(path, code)
        if url == path and code != current:
            # No such page (a 404): the switch leads to the other language's home page.
            with override(code):
                url = reverse("services:home")
        result.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": url,
                "current": code == current,
            }
        )
    return result


@register.simple_tag(takes_context=True)
def absolute(context, path: str) -> str:
    return settings.SITE_URL + path
