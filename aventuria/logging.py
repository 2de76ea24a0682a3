import logging


class NoRequestDetailsFilter(logging.Filter):
    """Drop the request object from log records before they are formatted.

    Django attaches the request (with its POST data) to error records; a handler that printed it
    would leak what a visitor typed. Our formatter prints only the message, and this filter makes
    sure no handler added later can reach the request either.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        return True


class OneLineFormatter(logging.Formatter):
    """One line per event, tracebacks included, so a log collector never splits an error."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")
