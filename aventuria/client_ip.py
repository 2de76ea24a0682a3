import ipaddress

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


def client_network(address: str) -> str:
    """The part of an address that one visitor owns: an IPv4 address as it is, an IPv6 address's
    /64 network. A home or mobile connection gets a whole /64 (2^64 addresses to choose from),
    so counting IPv6 addresses one by one would count nothing. An IPv4 address written as IPv6
    (::ffff:192.0.2.1) is the IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
