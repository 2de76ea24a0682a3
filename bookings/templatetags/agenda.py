from django import template

from bookings.calendar import agenda

register = template.Library()


@register.simple_tag(takes_context=True)
def meetings_soon(context):
    """Today's and tomorrow's meetings and busy times, for those who may see meetings."""
    request = context.get("request")
    if request is None or not request.user.has_perm("bookings.view_meeting"):
        return None
    return agenda.soon()
