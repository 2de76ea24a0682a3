"""Tags for what search engines and link previews read: JSON-LD, captured blocks."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from services.structured_data import json_ld, local_business

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Rendered output is already escaped, so it is safe to print again (e.g. in an attribute).
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: render once, use as {{ name }} many times.

    base.html wraps the title and description blocks in it, so a page's title also serves as
    its Open Graph title without a second block to override.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def local_business_json_ld(context, service):
    practice = context.get("practice")
    if practice is None or service is None:
        return ""
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(json_ld(local_business(practice, service))),  # noqa: S308
    )
