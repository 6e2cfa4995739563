"""The address the lockout counts is the one the platform's proxy saw: X-Forwarded-For is read
only for the configured number of trusted proxy hops, from the right, and the production web
command (uvicorn) does not replace the connection's address with what a client wrote."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient
from pulserx.clientaddress import client_address
from pulserx.devserver import web_command
from tests.conftest import database_url
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def request_with(remote: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


@pytest.mark.parametrize(("hops", "forwarded", "seen"), [
    (0, "203.0.113.9", "10.0.0.5"),  # no proxy trusted: the header is the client's own words
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the proxy appended the last entry
    (2, "6.6.6.6, 203.0.113.9, 104.22.17.40", "203.0.113.9"),  # CDN, then the platform's proxy
    (2, "203.0.113.9", "10.0.0.5"),  # fewer entries than proxies: not what they write
    (1, "6.6.6.6, not-an-address", "10.0.0.5"),
    (1, "6.6.6.6, 203.0.113.9:51234", "203.0.113.9"),
    (1, "6.6.6.6, [2001:db8::1]:443", "2001:db8::1"),
    (1, "", "10.0.0.5"),
])
def test_the_address_is_the_one_the_outermost_trusted_proxy_saw(
        settings: SettingsWrapper, hops: int, forwarded: str, seen: str) -> None:
    settings.PULSERX_PROXY_HOPS = hops
    assert client_address(request_with("10.0.0.5", forwarded)) == seen


def test_without_a_header_the_address_is_the_connections(settings: SettingsWrapper) -> None:
    settings.PULSERX_PROXY_HOPS = 1
    assert client_address(request_with("10.0.0.5")) == "10.0.0.5"


def procfile_web_argv(port: int) -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    argv = shlex.split(line.removeprefix("web:").replace("$PORT", str(port)))
    assert argv[0] == "uvicorn"
    argv[argv.index("--host") + 1] = "127.0.0.1"
    return [sys.executable, "-m", *argv]


def test_every_web_command_runs_uvicorn_the_same_way() -> None:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (web,) = [s for s in blueprint["services"] if s["type"] == "web"]
    procfile = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                    if line.startswith("web:"))
    assert web["startCommand"] == procfile.removeprefix("web:").strip()
    for argv in (shlex.split(web["startCommand"]), web_command("127.0.0.1", "8000")):
        assert "--no-proxy-headers" in argv
        assert not any(arg.startswith("--forwarded-allow-ips") for arg in argv)


@pytest.fixture
def production_web(transactional_db: None) -> Iterator[int]:
    """The Procfile's web command behind one trusted proxy hop, on the test database."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
           "DEBUG": "true", "PULSERX_PROXY_HOPS": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(procfile_web_argv(port), cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "uvicorn never listened"
            time.sleep(0.1)
    yield port
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=15)


def sign_in_through_proxy(port: int, forwarded: str, email: str, password: str) -> int:
    """One sign-in as the platform's proxy forwards it: the client's X-Forwarded-For with the
    address the proxy saw appended."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/", headers={"X-Forwarded-For": forwarded})
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie", "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token, "login page without a CSRF token"
    body = urlencode({"csrfmiddlewaretoken": token[1], "username": email, "password": password})
    connection.request("POST", "/accounts/login/", body=body, headers={
        "X-Forwarded-For": forwarded, "Cookie": cookie.split(";")[0],
        "Content-Type": "application/x-www-form-urlencoded"})
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.django_db(transaction=True)
def test_a_client_cannot_choose_the_address_it_is_counted_under(
        production_web: int, patient: Patient) -> None:
    attacker, victim = "203.0.113.7", "198.51.100.20"
    # Each guess claims a new address, and one claims the victim's; the proxy saw the attacker.
    for n in range(settings.AXES_FAILURE_LIMIT + 5):
        claimed = victim if n == 0 else f"192.0.2.{n}"
        sign_in_through_proxy(production_web, f"{claimed}, {attacker}",
                              f"someone{n}@example.org", "guess")

    assert sign_in_through_proxy(production_web, attacker, "alex@example.org", PASSWORD) == 429
    assert sign_in_through_proxy(production_web, victim, "alex@example.org", PASSWORD) == 302
