"""A Redis server of a test's own, on a free port, to stop and start at will (never the shared
one at 127.0.0.1:6379)."""

import subprocess
import time
from pathlib import Path

import redis

from tests.servers import free_port


class RedisServer:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.proc = None

    def start(self) -> "RedisServer":
        # No snapshots of its own; stop(save=True) writes one, which start() loads again.
        command = f"redis-server --port {self.port} --bind 127.0.0.1 --appendonly no"
        self.proc = subprocess.Popen(  # noqa: S603 (the machine's own redis-server)
            [*command.split(), "--save", "", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):  # until it answers; not a timing assertion
            try:
                self.client().ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self, *, save: bool = False) -> None:
        if self.proc is None:
            return
        if save:
            self.client().save()
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
