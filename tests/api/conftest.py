"""Clients for the API: a signed-in browser session and a personal token."""

from __future__ import annotations

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.api.models import ApiToken
from tests.support import https_client

API = "/api/v1"


def session_client(patient: Patient) -> Client:
    """A signed-in browser. Django's test client skips CSRF checks unless told not to."""
    client = https_client()
    client.force_login(patient.user)
    return client


def token_client(patient: Patient) -> Client:
    """A script that sends `Authorization: Bearer …` and nothing else (no cookies)."""
    _, token = ApiToken.issue(patient.user, "tests")
    return https_client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def api(patient: Patient) -> Client:
    return token_client(patient)


@pytest.fixture
def other_api(other_patient: Patient) -> Client:
    return token_client(other_patient)
