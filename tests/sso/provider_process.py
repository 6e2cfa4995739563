"""A real OpenID Connect provider for the tests: panva's oidc-provider (tests/sso/provider/),
run by node on a free loopback port, with the clients and accounts a test writes into its
config file. Its packages come from `npm ci` (make test runs it); nothing is downloaded here."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from pulserx.accounts.sso.config import ProviderConfig
from tests.support import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "pulserx-test"
CLIENT_SECRET = "test-client-secret-that-is-long-enough"


@dataclass
class OpenIDProvider:
    """One provider process. `accounts` maps a login to its claims; `write()` after changing
    them (the provider reads the file at every lookup)."""

    config_path: Path
    redirect_uris: list[str]
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    misbehave: str | None = None
    port: int = field(default_factory=free_port)
    lines: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write(self) -> None:
        self.config_path.write_text(json.dumps({
            "port": self.port, "issuer": self.issuer, "misbehave": self.misbehave,
            "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                         "redirect_uris": self.redirect_uris}],
            "accounts": self.accounts}))

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise AssertionError("node is missing: apt-get install -y nodejs npm")
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            raise AssertionError(f"run `npm ci` in {PROVIDER_DIR} (make test does)")
        self.write()
        self.process = subprocess.Popen(
            [node, "provider.js", str(self.config_path)], cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_for_discovery()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_for_discovery(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        url = self.issuer + "/.well-known/openid-configuration"
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError("the provider exited:\n" + "\n".join(self.lines))
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the provider never answered:\n" + "\n".join(self.lines))
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def config(self, name: str = "test", label: str = "Test Provider", *,
               client_secret: str = CLIENT_SECRET, issuer: str | None = None) -> ProviderConfig:
        """How PulseRx is told about this provider (PULSERX_OIDC_PROVIDERS)."""
        return ProviderConfig(name=name, issuer=issuer or self.issuer, client_id=CLIENT_ID,
                              client_secret=client_secret, label=label)

    def environment(self, name: str = "test", label: str = "Test Provider") -> dict[str, str]:
        upper = name.upper()
        return {"PULSERX_OIDC_PROVIDERS": name, f"PULSERX_OIDC_{upper}_ISSUER": self.issuer,
                f"PULSERX_OIDC_{upper}_CLIENT_ID": CLIENT_ID,
                f"PULSERX_OIDC_{upper}_CLIENT_SECRET": CLIENT_SECRET,
                f"PULSERX_OIDC_{upper}_LABEL": label}


FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def follow_back(browser: requests.Session, response: requests.Response, returns_to: str) -> str:
    """Follow the provider's redirects until one leads to `returns_to`; that URL."""
    for _ in range(10):
        assert response.status_code in (302, 303), response.text
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(returns_to):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def cancel_at_provider(authorization_url: str, returns_to: str) -> str:
    """Open the provider's login page and cancel; the URL it sends the browser back to."""
    browser = requests.Session()
    page = browser.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text
    response = browser.get(page.url.rstrip("/") + "/abort", allow_redirects=False, timeout=10)
    return follow_back(browser, response, returns_to)


def log_in_at_provider(authorization_url: str, login: str, returns_to: str) -> str:
    """What a person does at the provider (its development login form), as plain HTTP: open
    the authorization URL, sign in as `login`, and follow the provider's redirects until one
    leads back to `returns_to`; returns that URL (with its code, state and iss)."""
    browser = requests.Session()
    page = browser.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text
    action = FORM_ACTION.search(page.text)
    assert action, page.text
    response = browser.post(urljoin(page.url, action.group(1)),
                            data={"prompt": "login", "login": login, "password": "any"},
                            allow_redirects=False, timeout=10)
    return follow_back(browser, response, returns_to)
