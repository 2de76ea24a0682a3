"""Servers the end-to-end tests start as production runs them: gunicorn with the Dockerfile's
command on a scratch PostgreSQL database, and a browser-like client that keeps its cookies."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import environ
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
HOST = "aventuria.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form arguments of the Dockerfile's last CMD, or of its HEALTHCHECK's CMD."""
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    line = [line for line in lines if line.startswith(name + " ")][-1]
    return json.loads(re.search(r"CMD (\[.*\])", line).group(1))


@contextlib.contextmanager
def scratch_database(suffix: str):
    """An empty database of its own beside the test database; its URL."""
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    # A name per pytest-xdist worker too: workers must never drop each other's database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{config['NAME']}_{suffix}" + (f"_{worker}" if worker else "")
    server_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(server_url + "/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{server_url}/{name}"
    finally:
        with psycopg.connect(server_url + "/postgres", autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def site_env(database_url: str, cache_dir: Path, **extra) -> dict:
    """Production settings behind a TLS-terminating proxy, on loopback."""
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "smoke-test-only-a-long-random-looking-value-0123456789",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SITE_URL": f"https://{HOST}",
        "EMAIL_URL": "dummymail://",
        "DJANGO_SECURE_PROXY": "1",
        "DJANGO_CACHE_DIR": str(cache_dir),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_TIMEOUT": "30",
        "GUNICORN_WORKERS": "2",
        **extra,
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


@contextlib.contextmanager
def gunicorn(env: dict, log_path: Path):
    """The image's command, from the repository root as in the image; yields its base URL."""
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    log = log_path.open("w+")
    server = subprocess.Popen(  # noqa: S603 (our own Dockerfile's command)
        dockerfile_instruction("CMD"),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(150):  # until gunicorn listens; not a timing assertion
            if server.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, log.seek(0) or log.read()
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """Requests as they arrive through the proxy (HTTPS, the visitor's address), with cookies."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = {}

    def request(self, path, *, data=None, https=True, headers=None):
        headers = {"Host": HOST, "X-Forwarded-For": "203.0.113.9", **(headers or {})}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            headers["Origin"] = f"https://{HOST}"
            data = urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            response = urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, response.read().decode()


class FormFields(HTMLParser):
    """The fields of a page's forms as a browser sends them, unchanged."""

    def __init__(self, html: str):
        super().__init__()
        self.fields, self._textarea, self._select = {}, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file") or (
                kind in ("checkbox", "radio") and "checked" not in attrs
            ):
                return
            self.fields[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            # A browser drops the line break that follows <textarea>.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data
