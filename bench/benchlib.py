"""Shared pieces of the benchmark scripts: servers they start and stop, a form-filling client,
an SMTP sink and table printing. Everything listens on loopback addresses only."""

import asyncio
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
HOST = "127.0.0.1"
SHARED_PG = "postgres://postgres@127.0.0.1:5432"
CLK_TCK = os.sysconf("SC_CLK_TCK")
INQUIRY_PATH = "/yhteydenotto/"
THANKS_PATH = "/yhteydenotto/kiitos/"


def use_project_python() -> None:
    """Re-run the calling script with the project's virtualenv, which has Django and psycopg."""
    if Path(sys.prefix).resolve() != PYTHON.parent.parent.resolve():
        arguments = [str(PYTHON), sys.argv[0], *sys.argv[1:]]
        os.execv(PYTHON, arguments)  # noqa: S606 - our own interpreter, same arguments


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout} s")


def make_tmpdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    # nginx workers and a non-root PostgreSQL or gunicorn must be able to enter it.
    path.chmod(0o755)
    return path


def site_env(*, database_url: str, tmp: Path, smtp_port: int, **extra) -> dict:
    """Production settings, with what a benchmark on loopback needs on top."""
    cache_dir = tmp / "cache"
    cache_dir.mkdir(exist_ok=True)
    cache_dir.chmod(0o777)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "EMAIL_"))
    }
    env |= {
        "DJANGO_SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SITE_URL": f"http://{HOST}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "DJANGO_CACHE_DIR": str(cache_dir),
        "EMAIL_URL": f"smtp://{HOST}:{smtp_port}",
        "DJANGO_INQUIRY_MIN_FILL_SECONDS": "0",
        "DJANGO_INQUIRY_RATE_LIMIT": "1000000/h",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env |= {key: str(value) for key, value in extra.items()}
    return env


def manage(env: dict, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
        **kwargs,
    )


def recreate_shared_database(name: str) -> str:
    """A database of our own on the shared server, empty; returns its URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", SHARED_PG + "/postgres", "-q", "-c", sql], check=True, capture_output=True
        )
    return f"{SHARED_PG}/{name}"


def collect_static() -> None:
    """The hashed static files production settings serve; rebuilt only when sources changed."""
    subprocess.run(["make", "-s", "staticfiles/staticfiles.json"], cwd=ROOT, check=True)


def prepare_site(env: dict) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")


def static_app(environ, start_response):
    """The pages nginx serves, from memory, with no framework: what gunicorn alone costs.
    Run as benchlib:static_app with BENCH_WWW pointing at the directory of index.html files."""
    global _static_pages
    if _static_pages is None:
        root = Path(os.environ["BENCH_WWW"])
        _static_pages = {}
        for path in root.rglob("index.html"):
            folder = path.parent.relative_to(root).as_posix()
            _static_pages["/" if folder == "." else f"/{folder}/"] = path.read_bytes()
    body = _static_pages.get(environ["PATH_INFO"])
    if body is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


_static_pages = None


class BackgroundProcess:
    """A process the bench starts (start() sets self.proc) and stops with SIGTERM."""

    proc: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(BackgroundProcess):
    def __init__(
        self,
        env: dict,
        *,
        workers: int = 2,
        user: str | None = None,
        group=None,
        log: Path,
        app: str = "aventuria.wsgi",
        health_path: str = "/healthz",
    ):
        self.app = app
        self.health_path = health_path
        self.env = env
        self.port = free_port()
        self.workers = workers
        self.user = user
        self.group = group or user
        self.log = log
        self.proc = None

    def start(self) -> "Gunicorn":
        args = [
            str(PYTHON),
            "-m",
            "gunicorn",
            "--pythonpath",
            str(ROOT / "bench"),
            self.app,
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--graceful-timeout",
            "5",
            # Several servers run side by side here: none may take over a shared control socket.
            "--no-control-socket",
        ]
        if self.user:
            args += ["--user", self.user, "--group", self.group]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port)
        # Wait for every worker: the first requests must not pay for their start.
        deadline = time.monotonic() + 30
        while len(self.pids()) < self.workers + 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        # Each worker loads Django after the fork; until then requests queue up.
        visitor = Visitor(self.port)
        answered = 0
        while answered < 4 * self.workers and time.monotonic() < deadline:
            response, _ = visitor.request("GET", self.health_path)
            answered += response.status == 200
        return self

    def pids(self) -> list[int]:
        return [self.proc.pid, *children(self.proc.pid)]


class EmailWorker(BackgroundProcess):
    """`manage.py send_notifications --watch`, the email worker beside a site that runs with
    DJANGO_EMAIL_WORKER=1 (as compose.yaml runs it)."""

    def __init__(self, env: dict, *, log: Path, args: list[str] | tuple[str, ...] = ()):
        self.env = env
        self.log = log
        # After --watch, e.g. ["--interval", "5"].
        self.args = list(args)
        self.proc = None

    def start(self) -> "EmailWorker":
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(PYTHON), "manage.py", "send_notifications", "--watch", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self


def children(pid: int) -> list[int]:
    found = []
    for path in glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in Path(path).read_text().split()]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes, from /proc/<pid>/stat."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLK_TCK


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    message_id: str = ""


class SmtpSink:
    """A local SMTP server that keeps every message; stop() and start() simulate an outage."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[Mail] = []
        self.lock = threading.Lock()
        self.controller = None
        # Seconds to take over each message: a slow server makes overlapping senders overlap.
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content)
        # The text of a plain email, or of an invitation's text/plain part (multipart/mixed).
        text = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
        body = text.get_payload(decode=True).decode(text.get_content_charset() or "utf-8")
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(
                    Mail(
                        to=rcpt,
                        subject=str(message["Subject"]),
                        body=body,
                        message_id=str(message["Message-ID"] or ""),
                    )
                )
        return "250 OK"

    def start(self) -> "SmtpSink":
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=HOST, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@dataclass
class FormPage:
    status: int
    token: str = ""
    csrf_cookie: str = ""
    csrf_field: str = ""


@dataclass
class PostResult:
    status: int
    location: str = ""
    seconds: float = 0.0
    body: str = ""


@dataclass
class Visitor:
    """One person's browser: loads the form, then sends it. Plain HTTP on loopback."""

    port: int
    headers: dict = field(default_factory=dict)

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            response = conn.getresponse()
            return response, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def load_form(self) -> FormPage:
        response, html = self.request("GET", INQUIRY_PATH)
        if response.status != 200:
            return FormPage(status=response.status)
        cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", ""))
        token = re.search(r'name="token" value="([^"]+)"', html)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return FormPage(
            status=response.status,
            token=token.group(1),
            csrf_cookie=cookie.group(1),
            csrf_field=csrf.group(1),
        )

    def send(self, form: FormPage, **fields) -> PostResult:
        from urllib.parse import urlencode

        data = {
            "kind": "individual",
            "name": "Testi Asiakas",
            "email": "asiakas@example.fi",
            "phone": "040 123 4567",
            "format": "remote",
            "preferred_times": "Tiistai-iltapäivät",
            "message": "Haluaisin työnohjausta esihenkilötyöhön.",
            "consent": "on",
            "website": "",
            "token": form.token,
            "csrfmiddlewaretoken": form.csrf_field,
        } | fields
        started = time.perf_counter()
        response, html = self.request(
            "POST",
            INQUIRY_PATH,
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={form.csrf_cookie}",
                "Origin": f"http://{HOST}:{self.port}",
            },
        )
        elapsed = time.perf_counter() - started
        return PostResult(
            status=response.status,
            location=response.getheader("Location", ""),
            seconds=elapsed,
            body=html,
        )


def is_thanks(result: PostResult) -> bool:
    return result.status == 302 and result.location.endswith(THANKS_PATH)


def is_unavailable_page(status: int, body: str) -> bool:
    """The site's own 503 page, which offers the phone number and email instead."""
    return status == 503 and "Palvelu on tilapäisesti poissa käytöstä" in body


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary directory, on its own port, so that it
    can be stopped and restarted without touching the shared server."""

    def __init__(self, tmp: Path, name: str = "pgdata"):
        """name: its directory in tmp; drills in one run each need their own."""
        bins = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql")
        self.bin = Path(bins[-1]).parent
        self.dir = tmp / name
        self.socket_dir = tmp / f"{name}-socket"
        self.port = free_port()
        self.log = tmp / f"{name}.log"

    def _run(self, *args: str, check=True):
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self) -> "PrivateCluster":
        for path in (self.dir, self.socket_dir):
            path.mkdir()
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.log, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={HOST} "
            "-c fsync=off -c max_connections=50"
        )
        self._run("pg_ctl", "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", mode, "-w", "stop", check=False)

    def url(self, name: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        subprocess.run(
            ["psql", self.url("postgres"), "-q", "-c", f'CREATE DATABASE "{name}"'],
            check=True,
            capture_output=True,
        )
        return self.url(name)


def query(database_url: str, sql: str) -> list[tuple]:
    """Rows of one SQL query, straight from the database (not through the site)."""
    if database_url.startswith("sqlite:"):
        import sqlite3

        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql).fetchall()


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()
