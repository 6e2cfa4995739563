"""Guessing passwords is throttled (django-axes): after a few failures from one address,
sign-in, password resets and new API tokens answer 429 until the lockout ends — the right
password included. As many failures for one account, from any number of addresses, lock the
account until the lockout ends or its owner sets a new password through the reset email."""

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
from tests.accounts.helpers import link_in_last_email

PASSWORD = "correct horse battery"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ATTACKER = "203.0.113.7"


def from_address(address: str) -> Client:
    """A browser at `address` (uvicorn's --proxy-headers puts the client's address here)."""
    return Client(REMOTE_ADDR=address, headers={"Host": "testserver",
                                                "X-Forwarded-Proto": "https"})


def sign_in(client: Client, password: str, email: str = "alex@example.org") -> int:
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code


def botnet_address(n: int) -> str:
    return f"198.18.{n // 250}.{n % 250 + 1}"


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
def test_an_address_lockout_holds_whichever_account_it_tries(patient: Patient) -> None:
    attacker = from_address(ATTACKER)
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, "guess", email=f"someone{n}@example.org")

    assert sign_in(attacker, PASSWORD) == 429
    assert sign_in(from_address("198.51.100.20"), PASSWORD) == 302  # the owner, elsewhere


@pytest.mark.django_db
def test_guesses_spread_over_many_addresses_lock_the_account(patient: Patient) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    with time_machine.travel(START, tick=False) as clock:
        statuses = [sign_in(from_address(botnet_address(n)), f"guess {n}") for n in range(30)]

        assert statuses[:limit - 1] == [200] * (limit - 1)
        assert statuses[limit - 1:] == [429] * (30 - limit + 1)
        assert sign_in(from_address(botnet_address(99)), PASSWORD) == 429
        assert sign_in(from_address("198.51.100.20"), PASSWORD) == 429  # the owner waits too

        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=5))
        assert sign_in(from_address("198.51.100.20"), PASSWORD) == 302


@pytest.mark.django_db
def test_the_account_counter_ignores_letter_case(patient: Patient) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        email = "alex@example.org" if n % 2 else "ALEX@Example.ORG"
        sign_in(from_address(botnet_address(n)), f"guess {n}", email=email)

    assert sign_in(from_address(botnet_address(50)), PASSWORD) == 429


@pytest.mark.django_db
def test_the_reset_email_ends_an_accounts_lock(patient: Patient) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(from_address(botnet_address(n)), f"guess {n}")
    owner = from_address("198.51.100.20")
    assert sign_in(owner, PASSWORD) == 429

    asked = owner.post(reverse("password_reset"), {"email": "alex@example.org"})
    assert asked.status_code == 302 and len(mail.outbox) == 1
    form_page = owner.get(link_in_last_email(), follow=True)
    owner.post(form_page.redirect_chain[-1][0], {"new_password1": "a brand new secret 42",
                                                 "new_password2": "a brand new secret 42"})

    assert sign_in(owner, "a brand new secret 42") == 302


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


@pytest.mark.django_db
def test_signing_in_to_ones_own_account_does_not_reset_the_count_of_guesses_at_another(
        patient: Patient, other_patient: Patient) -> None:
    attacker = from_address(ATTACKER)
    limit = settings.AXES_FAILURE_LIMIT
    for round_ in range(2):
        for n in range(limit - 1):
            sign_in(attacker, f"guess {round_} {n}")
        sign_in(attacker, PASSWORD, email="sam@example.org")  # the attacker's own account
        attacker.logout()

    assert sign_in(from_address("198.51.100.20"), PASSWORD) == 429


@pytest.mark.django_db
def test_the_owners_own_typos_are_forgotten_when_they_sign_in(patient: Patient) -> None:
    owner = from_address("198.51.100.20")
    for round_ in range(3):
        for n in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(owner, f"typo {round_} {n}") == 200
        assert sign_in(owner, PASSWORD) == 302
        owner.logout()
