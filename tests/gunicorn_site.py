"""The site as the image runs it (the Dockerfile's CMD under gunicorn, production settings),
for tests of what only shows through gunicorn: its access log, its handling of odd requests."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "aventuria.example"


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form arguments of the Dockerfile's last CMD, or of its HEALTHCHECK's CMD."""
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    line = [line for line in lines if line.startswith(name + " ")][-1]
    return json.loads(re.search(r"CMD (\[.*\])", line).group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(*, database_url: str, cache_dir: Path, port: int, **extra) -> dict:
    """The environment of the image in production behind the TLS proxy."""
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "gunicorn-test-only-a-long-random-looking-value-0123456789",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SITE_URL": f"https://{HOST}",
        "EMAIL_URL": "dummymail://",
        "DJANGO_SECURE_PROXY": "1",
        "DJANGO_CACHE_DIR": str(cache_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "30",
        **extra,
    }


@dataclass
class Site:
    base: str
    port: int
    env: dict
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, *, body=None, headers=None, https=True):
        """Send the path as given, byte for byte, as curl does: (status, headers, body)."""
        sent = {"Host": HOST, "X-Forwarded-For": "203.0.113.9", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            data = body.encode() if isinstance(body, str) else body
            if data is not None:
                connection.putheader("Content-Length", str(len(data)))
            connection.endheaders(data)
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode(errors="replace")
        finally:
            connection.close()

    def fresh_form(self, path: str = "/yhteydenotto/") -> dict:
        """A visitor's first GET of the inquiry form: its CSRF cookie and both tokens."""
        status, headers, body = self.request("GET", path)
        assert status == 200, body
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        return {
            "cookie": cookie,
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', body
            ).group(1),
            "token": re.search(r'name="token" value="([^"]+)"', body).group(1),
        }

    def post_form(self, form: dict, data: dict, *, address="203.0.113.9", path="/yhteydenotto/"):
        """Post the inquiry form as the browser that fetched `form` would, from `address`."""
        fields = {**data, "csrfmiddlewaretoken": form["csrfmiddlewaretoken"]}
        fields.setdefault("token", form["token"])
        return self.request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields, doseq=True),
            headers={
                "Cookie": form["cookie"],
                "Referer": f"https://{HOST}{path}",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": address,
            },
        )

    def wait_for_log(self, text: str) -> str:
        for _ in range(100):  # gunicorn writes the line just after the response
            log = self.log()
            if text in log:
                return log
            time.sleep(0.1)
        return self.log()


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


@contextmanager
def running_site(env: dict, log_path: Path):
    """Migrate (the release step), then run the image's command until the block ends."""
    manage(env, "migrate", "--no-input", "-v", "0")
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    with log_path.open("w+") as log:
        server = subprocess.Popen(  # noqa: S603 (our own Dockerfile's command)
            dockerfile_instruction("CMD"), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
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
            assert server.poll() is None, log_path.read_text()
            yield Site(base=f"http://127.0.0.1:{port}", port=port, env=env, log_path=log_path)
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextmanager
def sqlite_site(tmp_path: Path, **extra):
    """The site on an SQLite file of its own, as `make run` and a one-server install have it."""
    port = free_port()
    env = production_env(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        cache_dir=tmp_path / "cache",
        port=port,
        **extra,
    )
    with running_site(env, tmp_path / "gunicorn.log") as site:
        yield site
