"""Guessing passwords is throttled (django-axes): after a few failures from one address,
sign-in, password resets and new API tokens answer 429 until the lockout ends — the right
password included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.api.models import MAX_NEW_TOKENS_PER_HOUR, ApiToken

PASSWORD = "correct horse battery"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.7"


def from_address(address: str) -> Client:
    """A browser at `address` (uvicorn's --proxy-headers puts the client's address here)."""
    return Client(REMOTE_ADDR=address, headers={"Host": "testserver",
                                                "X-Forwarded-Proto": "https"})


def sign_in(client: Client, password: str) -> int:
    response = client.post(reverse("login"), {"username": "alex@example.org",
                                              "password": password})
    return response.status_code


@pytest.mark.django_db
def test_thirty_wrong_passwords_lock_the_address_out_and_the_right_one_waits(
        patient: Patient) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    client = from_address(ATTACKER)
    with time_machine.travel(START, tick=False) as clock:
        statuses = [sign_in(client, f"guess {n}") for n in range(30)]

        # The first failures show the form again; the limit-th and every later one is a 429.
        assert statuses[:limit - 1] == [200] * (limit - 1)
        assert statuses[limit - 1:] == [429] * (30 - limit + 1)
        locked = client.post(reverse("login"), {"username": "alex@example.org",
                                                "password": PASSWORD})
        assert locked.status_code == 429
        assert "Too many attempts" in locked.content.decode()
        assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
        assert "_auth_user_id" not in client.session

        clock.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
        assert sign_in(client, PASSWORD) == 429  # not yet

        clock.shift(timedelta(seconds=10))
        assert sign_in(client, PASSWORD) == 302  # the lockout is over
        assert client.session["_auth_user_id"] == str(patient.user.pk)


@pytest.mark.django_db
def test_a_lockout_is_per_address(patient: Patient) -> None:
    attacker = from_address(ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, f"guess {n}")

    assert sign_in(attacker, PASSWORD) == 429
    assert sign_in(from_address("198.51.100.20"), PASSWORD) == 302


@pytest.mark.django_db
def test_password_resets_count_towards_the_lockout(patient: Patient) -> None:
    client = from_address(ATTACKER)
    statuses = [client.post(reverse("password_reset"), {"email": "alex@example.org"}).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT + 3)]

    assert statuses[-3:] == [429, 429, 429]
    assert len(mail.outbox) == settings.AXES_FAILURE_LIMIT - 1
    assert sign_in(client, PASSWORD) == 429


@pytest.mark.django_db
def test_api_token_creation_is_throttled(patient: Patient) -> None:
    client = from_address(ATTACKER)
    client.force_login(patient.user)
    statuses = [client.post("/api/v1/tokens", {"name": f"script {n}"},
                            content_type="application/json").status_code
                for n in range(MAX_NEW_TOKENS_PER_HOUR + 1)]

    assert statuses == [201] * MAX_NEW_TOKENS_PER_HOUR + [429]
    assert ApiToken.objects.count() == MAX_NEW_TOKENS_PER_HOUR


@pytest.mark.django_db
def test_a_locked_out_address_cannot_create_api_tokens(patient: Patient) -> None:
    client = from_address(ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess {n}")
    client.force_login(patient.user)  # e.g. a session stolen earlier

    response = client.post("/api/v1/tokens", {"name": "script"},
                           content_type="application/json")

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert not ApiToken.objects.exists()
