"""A newcomer's first minutes: the README's quick start, copied from README.md and run as
separate processes in a fresh `git clone` with an empty var/ and no REDIS_URL, DATABASE_URL or
VAPID keys, then run a second time in the same clone.

The clone lies deep in the file system on purpose: the embedded Redis socket's path would be
longer than a unix socket address may be. The virtualenv is the suite's own (VENV, and a STAMP
newer than the clone's pyproject.toml, so `make` does not install again); everything from
`python -m pulserx.devserver` on runs from the clone."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support import free_port

pytestmark = pytest.mark.newcomer
ROOT = Path(__file__).resolve().parent.parent.parent
UNIX_SOCKET_PATH_MAX = 107
# What a new user's shell does not have: everything the suite or CI may have set.
NOT_IN_A_NEW_SHELL = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "VAPID_", "PULSERX_",
                      "SITE_URL", "DEBUG", "DJANGO_", "MAKE", "MFLAGS", "PYTEST_")


def readme_command(name: str) -> list[str]:
    """The command line the README's "Two commands" block gives for `name`, as written."""
    block = re.search(r"## Two commands\s+```sh\n(.*?)```", (ROOT / "README.md").read_text(),
                      re.S)
    assert block, "README.md has no 'Two commands' block"
    for line in block.group(1).splitlines():
        command = line.split("#", 1)[0].split()
        if command[:2] == ["make", name]:
            return command
    raise AssertionError(f"README.md's quick start has no `make {name}`")


class MakeRun:
    """`make run` in the clone, its output kept; Ctrl-C is a SIGINT to its process group, as a
    terminal sends it."""

    def __init__(self, clone: Path, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(readme_command("run"), cwd=clone, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_200(self, url: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"make run exited ({self.process.returncode}):\n"
                                     + self.output)
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{url} never answered 200:\n{self.output}")

    def demo_login(self) -> tuple[str, str]:
        found = re.search(r"demo login: (\S+) / (\S+)", self.output)
        assert found, f"make run printed no demo login:\n{self.output}"
        return found.group(1), found.group(2)

    def interrupt(self, timeout: float = 15) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise AssertionError(f"make run still running {timeout} s after Ctrl-C:\n"
                                 + self.output) from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def processes_in(folder: Path) -> list[str]:
    """Every live process that runs from `folder` or names it on its command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (str(folder) in cmdline or cwd.startswith(str(folder))):
            found.append(f"{entry.name}: {cmdline}")
    return found


def port_is_free(port: int) -> bool:
    """Free for a new server, as uvicorn binds (SO_REUSEADDR): nothing listens on it, though
    connections the stopped server closed may linger in TIME_WAIT."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def all_gone(folder: Path, port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while processes_in(folder) or not port_is_free(port):
        if time.monotonic() > deadline:
            raise AssertionError(f"left running after Ctrl-C: {processes_in(folder)}, "
                                 f"port {port} free: {port_is_free(port)}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    deep = tmp_path_factory.mktemp("newcomer") / "home-of-someone-who-keeps-projects-tidy" / (
        "medication-reminders-cloned-from-the-readme")
    deep.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(deep)], check=True)
    assert not any((deep / "var").glob("[!.]*")), "a fresh clone's var/ holds only .gitignore"
    assert len(str(deep / "var" / "redis.sock")) > UNIX_SOCKET_PATH_MAX
    return deep


@pytest.fixture(scope="module")
def newcomer_env(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    stamp = tmp_path_factory.mktemp("stamp") / ".installed"
    stamp.touch()
    shell = {key: value for key, value in os.environ.items()
             if not key.startswith(NOT_IN_A_NEW_SHELL)}
    return {**shell, "VENV": sys.prefix, "STAMP": str(stamp), "PORT": str(free_port())}


@pytest.fixture
def make_run(clone: Path, newcomer_env: dict[str, str]) -> Iterator[Callable[[], MakeRun]]:
    started: list[MakeRun] = []

    def start() -> MakeRun:
        started.append(MakeRun(clone, newcomer_env))
        return started[-1]

    yield start
    for run in started:
        run.kill()


def demo_users(clone: Path) -> int:
    with sqlite3.connect(clone / "var" / "pulserx.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM accounts_user WHERE email LIKE 'demo@%'")
                   .fetchone()[0])


def test_make_run_from_a_fresh_clone_serves_reminds_and_stops_twice(
        clone: Path, newcomer_env: dict[str, str], make_run: Callable[[], MakeRun],
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{newcomer_env['PORT']}"
    port = int(newcomer_env["PORT"])
    started = time.monotonic()
    first = make_run()
    first.wait_for_200(url + "/")
    first_200 = time.monotonic() - started
    email, password = first.demo_login()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, timezone_id="Europe/London")
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/")
        page.locator("html[data-live='connected']").wait_for(state="attached", timeout=15_000)
        pressed = time.monotonic()
        page.get_by_role("button", name="Send a test reminder").click()
        expect(page.locator("#toasts .toast")).to_contain_text("Test", timeout=30_000)
        toast_after = time.monotonic() - pressed
        browser.close()

    keys = (clone / "var" / "vapid-dev.json").read_text()
    first.interrupt()
    all_gone(clone, port)
    assert "Traceback" not in first.output, first.output

    second = make_run()
    second.wait_for_200(url + "/")
    assert second.demo_login() == (email, password)
    assert demo_users(clone) == 1
    assert (clone / "var" / "vapid-dev.json").read_text() == keys
    second.interrupt()
    all_gone(clone, port)
    assert "Traceback" not in second.output, second.output

    with capsys.disabled():
        print(f"\nnewcomer: clone -> first 200 in {first_200:.1f} s (make run, empty var/); "
              f"test reminder -> toast in {toast_after:.1f} s")
