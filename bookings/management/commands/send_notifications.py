import argparse
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bookings.calendar.busy import start_sync_thread
from bookings.outbox import worker
from bookings.outbox.queue import queue_due_reminders
from bookings.scheduling.meetings import expire_holds


def each_round() -> None:
    """Before each round of sending: the reminders now due, and the times of bookings not
    confirmed in time freed (also on a quiet day, when no new booking runs expire_holds)."""
    queue_due_reminders()
    expire_holds()


def run_worker(*, stop: threading.Event, interval: float = 60, report=None, sqlite_poll: float = 2):
    """The worker process: the emails as they come, the reminders due, and Henna's own calendar
    (read in a thread of its own, so that a calendar server that hangs never holds up an
    email), until `stop` is set."""
    busy_calendar = start_sync_thread(stop=stop)
    try:
        worker.watch_notifications(
            stop=stop,
            interval=interval,
            report=report,
            sqlite_poll=sqlite_poll,
            each_round=each_round,
        )
    finally:
        stop.set()
        if busy_calendar:
            busy_calendar.join(settings.BUSY_CALENDAR_TIMEOUT + 1)


def seconds(value: str) -> float:
    """--interval: at least a second, or the worker would keep the database busy."""
    try:
        number = float(value)
    except ValueError:
        number = 0
    if not number >= 1:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, at least 1: {value!r}")
    return number


class Command(BaseCommand):
    help = (
        "Send the inquiry and meeting emails that are still pending, with the meeting reminders "
        "now due (for cron or a systemd timer). "
        "Exits with status 1 when an email could not be sent; it stays pending for the next run. "
        "With --watch it keeps running and sends each new inquiry's emails as it is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--watch",
            action="store_true",
            help=(
                "Keep running (the worker beside a site with DJANGO_EMAIL_WORKER=1): send a new "
                "inquiry's emails the moment it is committed (PostgreSQL wakes the worker; on "
                "SQLite it looks every few seconds), retry failed ones and queue the meeting "
                "reminders now due every --interval seconds. Stops cleanly on SIGTERM or Ctrl-C."
            ),
        )
        parser.add_argument(
            "--interval",
            type=seconds,
            default=60,
            help=(
                "With --watch: seconds between retries of emails that failed and between "
                "looks for reminders due (default 60, at least 1)."
            ),
        )

    def handle(self, *args, watch=False, interval=60, **options):
        if watch:
            stop = threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            run_worker(stop=stop, interval=interval, report=lambda r: self.stdout.write(str(r)))
            return
        each_round()
        result = worker.send_pending_notifications(reply_timeout=worker.FINAL_REPLY_SECONDS)
        if result.failed:
            raise CommandError(str(result))
        self.stdout.write(str(result))
