"""Page tests: requests arrive over HTTPS through a proxy, as in production."""

from __future__ import annotations

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from tests.support import https_client


@pytest.fixture
def patient_client(patient: Patient) -> Client:
    client = https_client()
    client.force_login(patient.user)
    return client
