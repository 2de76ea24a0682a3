import logging
import re
import smtplib
import traceback

# Characters that end a line in a log viewer or a terminal, or that a log collector chokes on:
# the C0 and C1 controls, DEL, and Unicode's own line and paragraph separators.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# A path segment that is one of the site's secrets: a manage or confirmation link's token, the
# calendar feed's token (secrets.token_urlsafe, 32 or more characters). Page slugs are
# lower-case words; a segment this long with a capital letter or a digit is never one.
TOKEN_SEGMENT_RE = re.compile(
    r"(?<=/)(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"
)
REDACTED = "[token]"


def redact_tokens(text: str) -> str:
    """The text with every token segment of a path replaced: whoever reads the logs must not
    get Henna's live calendar feed or a client's manage link from them."""
    return TOKEN_SEGMENT_RE.sub(REDACTED, text)


def escape_controls(text: str) -> str:
    """The text with every control character written out as an escape, so that a value a
    visitor chose (a path with %0D%0A in it) can never start a log line of its own."""
    return CONTROL_RE.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class NoRequestDetailsFilter(logging.Filter):
    """Drop the request object from log records before they are formatted.

    Django attaches the request (with its POST data) to error records; a handler that printed it
    would leak what a visitor typed. Our formatter prints only the message, and this filter makes
    sure no handler added later can reach the request either. Tracebacks keep their frames, but
    a database or SMTP exception's message is withheld (see quotes_data).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        # Django's "Not Found: /path" and CSRF warnings quote the path, tokens and all.
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[1] is not None:
            chain = exception_chain(record.exc_info[1])
            if any(quotes_data(exc) for exc in chain):
                record.exc_text = format_without_data(chain)
        return True


def quotes_data(exc: BaseException) -> bool:
    """Whether the exception's message may quote stored data: PostgreSQL's constraint errors
    quote the whole failing row ("Failing row contains (...)"), SMTP errors the addresses."""
    from django.db import DatabaseError

    module = type(exc).__module__
    return isinstance(exc, DatabaseError | smtplib.SMTPException) or module.startswith(
        ("psycopg", "sqlite3")
    )


def exception_chain(exc: BaseException | None) -> list[BaseException]:
    """The exception and those it was raised from, innermost first, as a traceback prints them."""
    chain: list[BaseException] = []
    while exc is not None and not any(exc is seen for seen in chain):
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return chain[::-1]


def format_without_data(chain: list[BaseException]) -> str:
    """The traceback with every frame, but only the type of an exception that may quote data."""
    parts = []
    for exc in chain:
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        if quotes_data(exc):
            name = f"{type(exc).__module__}.{type(exc).__qualname__}"
            parts.append(f"{name}: (message withheld, it may quote stored data)\n")
        else:
            parts.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(parts).rstrip("\n")


class OneLineFormatter(logging.Formatter):
    """One line per event, tracebacks included, so a log collector never splits an error."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record).replace("\r", ""))
