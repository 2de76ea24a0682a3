"""Fetching a calendar from an address someone pasted: with a deadline, a size limit, and only
from the public internet.

The address is Henna's, but whatever it names is fetched from our server, so it must not become
a way to reach the server's own network (SSRF): every address the name resolves to must be
public, and the connection goes to the address that was checked, not to a second lookup that a
hostile name server could answer differently (DNS rebinding). Each redirect is checked the same
way. BUSY_CALENDAR_ALLOW_PRIVATE lifts the network rule for the tests' local server only.

BUSY_CALENDAR_TIMEOUT is a deadline for the whole exchange, not a timeout per read: the name
lookup runs in a thread that is waited for only until the deadline, and every read of the
status line, the headers, the chunk lines and the body gets only the time that is left, so a
server that trickles a byte a second cannot stretch a 10-second fetch to minutes.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}


class CalendarError(Exception):
    """The calendar could not be read; the message is for Henna (Finnish, lazily translated)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def timeout_error(seconds: float) -> CalendarError:
    return CalendarError(
        _("Kalenteria ei saatu haettua: palvelin ei vastannut %(seconds)s sekunnissa.")
        % {"seconds": f"{seconds:g}"}
    )


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int, deadline: float) -> list:
    """getaddrinfo, waited for until the deadline only (it has no timeout of its own; a name
    server that never answers leaves the thread behind, which ends with the resolver's own
    timeout)."""
    answer = {}
    done = threading.Event()

    def lookup():
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:
            answer["error"] = exc
        finally:
            done.set()

    threading.Thread(target=lookup, name="calendar-dns", daemon=True).start()
    if not done.wait(remaining(deadline)):
        raise TimeoutError
    if "error" in answer:
        raise answer["error"]
    return answer["infos"]


def checked_address(host: str, port: int, deadline: float) -> str:
    """The address to connect to, once every address the host resolves to has passed."""
    try:
        infos = resolve(host, port, deadline)
    except (socket.gaierror, UnicodeError):
        raise CalendarError(
            _("Kalenteria ei saatu haettua: palvelinta %(host)s ei löytynyt. Tarkista osoite.")
            % {"host": host}
        ) from None
    addresses = [info[4][0] for info in infos]
    if not settings.BUSY_CALENDAR_ALLOW_PRIVATE and not all(map(is_public, addresses)):
        raise CalendarError(
            _(
                "Osoite %(host)s on yksityisessä tai paikallisessa verkossa. Kalenteri haetaan "
                "vain julkisesta internetistä; liitä kalenteripalvelun antama iCal-osoite."
            )
            % {"host": host}
        )
    return addresses[0]


def connection_to(scheme: str, host: str, port: int, address: str, timeout: float):
    connection_class = (
        http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port, timeout=timeout)

    # http.client opens its socket through this hook; HTTPS then wraps it with the host's name
    # for SNI and the certificate check. Only the address already checked is ever dialled.
    def create_connection(_address, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = create_connection
    return connection


class DeadlineReader(io.RawIOBase):
    """The socket's reads, each given only the time left before the deadline."""

    def __init__(self, sock, deadline: float):
        self.sock = sock
        # The socket's own raw file: it keeps the socket open while the response is read,
        # as http.client expects of makefile().
        self.raw = sock.makefile("rb", buffering=0)
        self.deadline = deadline

    def readable(self):
        return True

    def readinto(self, buffer):
        self.sock.settimeout(remaining(self.deadline))
        return self.raw.readinto(buffer)

    def close(self):
        self.raw.close()
        super().close()


class DeadlineSocket:
    """The connected socket as http.client sees it: the response (status line, headers, chunk
    lines, body) is read through a DeadlineReader."""

    def __init__(self, sock, deadline: float):
        self.sock = sock
        self.deadline = deadline

    def makefile(self, mode="rb", *args, **kwargs):
        return io.BufferedReader(DeadlineReader(self.sock, self.deadline))

    def sendall(self, data):
        self.sock.settimeout(remaining(self.deadline))
        return self.sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def fetch(url: str) -> bytes:
    """The body at url (webcal:// means https://), or CalendarError with a message for Henna."""
    timeout = settings.BUSY_CALENDAR_TIMEOUT
    deadline = time.monotonic() + timeout
    try:
        for _redirect in range(MAX_REDIRECTS + 1):
            if url.lower().startswith("webcal://"):
                url = "https://" + url[len("webcal://") :]
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https") or not parts.hostname:
                raise CalendarError(
                    _("Kalenteria ei saatu haettua: osoitteen pitää alkaa https:// tai http://.")
                )
            port = parts.port or (443 if scheme == "https" else 80)
            address = checked_address(parts.hostname, port, deadline)
            connection = connection_to(scheme, parts.hostname, port, address, remaining(deadline))
            try:
                connection.connect()
                connection.sock = DeadlineSocket(connection.sock, deadline)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request(
                    "GET",
                    path,
                    headers={
                        "User-Agent": "Aventuria-calendar/1.0",
                        "Accept": "text/calendar, */*;q=0.5",
                        # No compression: the size limit is then the size read.
                        "Accept-Encoding": "identity",
                    },
                )
                response = connection.getresponse()
                if response.status in REDIRECTS and response.getheader("Location"):
                    url = urljoin(url, response.getheader("Location"))
                    continue
                if response.status != 200:
                    raise CalendarError(
                        _(
                            "Kalenteria ei saatu haettua: palvelin vastasi %(status)s. Tarkista "
                            "osoite; jos kalenterille on luotu uusi salainen osoite, liitä se."
                        )
                        % {"status": response.status}
                    )
                return read_limited(response)
            finally:
                connection.close()
        raise CalendarError(_("Kalenteria ei saatu haettua: liian monta uudelleenohjausta."))
    except TimeoutError:
        raise timeout_error(timeout) from None
    except ssl.SSLError:
        raise CalendarError(
            _("Kalenteria ei saatu haettua: suojattu yhteys ei onnistunut (varmenne ei kelpaa).")
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise CalendarError(
            _("Kalenteria ei saatu haettua: yhteys palvelimeen ei onnistunut (%(error)s).")
            % {"error": type(exc).__name__}
        ) from exc


def remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def read_limited(response) -> bytes:
    """The whole body, within the size limit (the whole fetch is refused when it is over: a
    calendar cut short would drop busy times); the deadline is kept by the DeadlineSocket."""
    limit = settings.BUSY_CALENDAR_MAX_BYTES
    too_big = CalendarError(
        _("Kalenteri on liian suuri (yli %(megabytes)s Mt), joten sitä ei luettu.")
        % {"megabytes": f"{limit / 1_000_000:g}"}
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise too_big
    chunks, size = [], 0
    while True:
        chunk = response.read1(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_big
