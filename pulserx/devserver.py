"""`make run`: the whole of PulseRx in the foreground, stopped together by Ctrl-C.

Starts an embedded redis-server when REDIS_URL is unset, migrates, ensures the demo patient,
then runs the web server (uvicorn) and the worker with prefixed output. Everything that needs
Django's app registry runs in a child process: this one only reads settings.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from pulserx.notifications.vapid import new_vapid_keys
from pulserx.siteurl import dev_site_url

ROOT = Path(__file__).resolve().parent.parent
COLOURS = {"setup": "33", "redis": "31", "web": "36", "worker": "35"}


def web_command(host: str, port: str) -> list[str]:
    """uvicorn as in production: no access log, whose lines would carry the tokens of
    calendar feeds and email links; no proxy headers, so a loopback client cannot name its
    own address (pulserx/clientaddress.py reads X-Forwarded-For only for trusted hops)."""
    return [sys.executable, "-m", "uvicorn", "pulserx.asgi:application", "--host", host,
            "--port", port, "--no-proxy-headers", "--ws-per-message-deflate", "false",
            "--no-access-log"]


def relay(name: str, process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    prefix = f"\033[{COLOURS[name]}m{name:>6} |\033[0m " if sys.stdout.isatty() else f"{name:>6} | "
    for line in process.stdout:
        sys.stdout.write(prefix + line)
        sys.stdout.flush()


def spawn(name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    threading.Thread(target=relay, args=(name, process), daemon=True).start()
    return process


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_all(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def dev_vapid_keys(var_dir: Path) -> tuple[str, str]:
    """Development Web Push keys, made once and kept in var/ (never used in production,
    where VAPID_* come from the environment)."""
    path = var_dir / "vapid-dev.json"
    try:
        stored = json.loads(path.read_text())
        return str(stored["public"]), str(stored["private"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    public, private = new_vapid_keys()
    var_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"public": public, "private": private}))
    return public, private


def dev_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment of the processes `make run` starts."""
    env = {**base, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DEBUG", "true")
    env.setdefault("HOST", "127.0.0.1")
    env.setdefault("PORT", "8000")
    # Links in emails and pages (invitations, password reset, Take/Skip, calendar) point at
    # the server that sent them unless SITE_URL says otherwise.
    env.setdefault("SITE_URL", dev_site_url(env["HOST"], env["PORT"]))
    if not env.get("VAPID_PUBLIC_KEY") and not env.get("VAPID_PRIVATE_KEY"):
        var_dir = Path(env.get("PULSERX_VAR_DIR", ROOT / "var"))
        env["VAPID_PUBLIC_KEY"], env["VAPID_PRIVATE_KEY"] = dev_vapid_keys(var_dir)
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate and ensure the demo patient, each in a process of its own: this process never
    sets Django up, so nothing it runs before its children imports a model."""
    for argv in (["migrate", "--no-input", "--verbosity", "0"], ["demo"]):
        process = spawn("setup", [sys.executable, "manage.py", *argv], env)
        if process.wait() != 0:
            raise SystemExit(f"manage.py {argv[0]} failed (exit {process.returncode})")


def main() -> int:
    # Explicit handlers: a shell may start us with SIGINT ignored, and SIGTERM must stop
    # everything the same way Ctrl-C does.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    env = dev_environment(os.environ)
    host, port = env["HOST"], env["PORT"]
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
    # Settings only (a plain module); the app registry stays empty here.
    from django.conf import settings

    from pulserx import embedded_redis

    processes: list[subprocess.Popen[str]] = []
    redis_process = None
    if settings.REDIS_IS_EMBEDDED and not embedded_redis.is_listening(
            settings.EMBEDDED_REDIS_SOCKET):
        redis_process = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
        print(f" redis | embedded redis-server on {settings.EMBEDDED_REDIS_SOCKET}")
    env["REDIS_URL"] = settings.REDIS_URL
    try:
        prepare(env)
        processes.append(spawn("web", web_command(host, port), env))
        processes.append(spawn("worker", [sys.executable, "manage.py", "worker"], env))
        print(f"   web | PulseRx is starting on http://{host}:{port}  (Ctrl-C stops everything)")
        while all(p.poll() is None for p in processes):
            threading.Event().wait(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(processes)
        if redis_process is not None:
            embedded_redis.stop(redis_process)
        print("stopped: web, worker" + (", redis" if redis_process else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
