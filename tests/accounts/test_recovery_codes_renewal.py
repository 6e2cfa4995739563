"""Settings → Make new recovery codes: the password again; ten new codes shown once, and the
old ones stop working."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pulserx.accounts.models import Patient
from tests.accounts.test_two_factor import turn_on
from tests.support import https_client

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in_with_code(code: str) -> bool:
    client = https_client()
    client.post(reverse("login"), {"username": "alex@example.org", "password": PASSWORD})
    client.post(reverse("sign_in_code"), {"code": code})
    return "_auth_user_id" in client.session


def test_new_recovery_codes_replace_the_old_ones(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    old = turn_on(client)
    assert "Make new recovery codes" in client.get(reverse("account_settings")).content.decode()

    wrong = client.post(reverse("renew_recovery_codes"), {"password": "nope"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert sign_in_with_code(old[0])  # still good: nothing changed

    page = client.post(reverse("renew_recovery_codes"), {"password": PASSWORD})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert "Your old recovery codes no longer work." in page.content.decode()
    assert len(set(new)) == 10 and not set(new) & set(old)
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert not sign_in_with_code(old[1])
    assert sign_in_with_code(new[0])
    assert not sign_in_with_code(new[0])  # each works once


def test_without_two_step_there_are_no_codes_to_renew(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    response = client.post(reverse("renew_recovery_codes"), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"].endswith("#two-step")
