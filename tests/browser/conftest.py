"""A real PulseRx in front of a real Chromium: uvicorn on a free loopback port, on the test
database and Redis, and a Playwright browser (Debian's /usr/bin/chromium)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.conftest import database_url
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"  # tests/conftest.py make_patient
HOME_ZONE = "Europe/London"  # tests/conftest.py make_patient


class WebServer:
    """`python -m uvicorn pulserx.asgi:application`, its output kept for failure messages."""

    def __init__(self, port: int, host_name: str = "127.0.0.1",
                 env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://{host_name}:{port}"
        self.extra_env = env or {}
        self.lines: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
               "DEBUG": "true", "ALLOWED_HOSTS": "127.0.0.1,localhost",
               "PYTHONUNBUFFERED": "1", **self.extra_env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "pulserx.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        self._wait_until_listening()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_until_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError("uvicorn exited:\n" + "\n".join(self.lines))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError as refused:
                if time.monotonic() > deadline:
                    raise AssertionError("uvicorn never listened:\n"
                                         + "\n".join(self.lines)) from refused
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


@pytest.fixture
def web_server(transactional_db: None) -> Iterator[WebServer]:
    server = WebServer(free_port())
    server.start()
    yield server
    server.stop()


class Mailbox:
    """What an SMTP server on loopback (aiosmtpd) received."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(email.message_from_bytes(
            envelope.content, policy=email.policy.default).get_body(
            ("plain",)).get_content())  # type: ignore[union-attr]
        return "250 Message accepted"

    def wait_for_link(self, path_part: str, timeout: float = 15) -> str:
        """The first address in a received email that contains `path_part`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if match := re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", message):
                    return match.group(0)
            time.sleep(0.1)
        raise AssertionError(f"no email with {path_part!r}: {self.messages}")


@pytest.fixture
def site_server(transactional_db: None) -> Iterator[tuple[WebServer, Mailbox]]:
    """uvicorn reached as http://localhost:<port>, with SITE_URL saying so (WebAuthn refuses an
    IP address as the relying party's id), its mail sent to an SMTP server on loopback."""
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    server = WebServer(port, host_name="localhost", env={
        "SITE_URL": f"http://localhost:{port}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"})
    server.start()
    yield server, mailbox
    server.stop()
    smtp.stop()


@pytest.fixture(autouse=True)
def sync_django_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API keeps an asyncio loop in this thread, which makes Django refuse
    every ORM call. The test's ORM calls are plain synchronous code, so the check is moot."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Script errors and failed loads of the test's page (except the favicon the browser
    asks for on its own: the site has none)."""
    return []


@pytest.fixture
def page(browser: Browser, web_server: WebServer, console_errors: list[str]) -> Iterator[Page]:
    # The browser is where make_patient's patients live: no travel question on Today.
    context = browser.new_context(base_url=web_server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("pageerror", lambda error: console_errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):
            console_errors.append(f"{message.text} ({where})")

    page.on("console", on_console)
    yield page
    context.close()


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/")


def wait_live(page: Page, timeout: float = 10_000) -> None:
    """Until the page's notifications socket is open."""
    # A locator, not wait_for_function: the page's CSP forbids evaluating strings.
    page.locator("html[data-live='connected']").wait_for(state="attached", timeout=timeout)


AXE_SOURCE = ROOT / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.x A/AA (and best-practice) violations on the page as it is now,
    one line each. Evaluated through the DevTools protocol, so the page's CSP stays on."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: "
            f"{', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result["violations"]]


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows under var/screenshots/ for people to review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
