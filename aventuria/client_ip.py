from django.conf import settings


def client_ip(request) -> str:
    """The visitor's address: the one our proxy saw when DJANGO_SECURE_PROXY is on.

    The proxy appends the address it received the connection from to X-Forwarded-For, so only the
    rightmost entry is trustworthy; anything before it is whatever the client chose to send.
    Without the proxy setting the header is ignored, since anyone could set it.
    """
    if settings.SECURE_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")
