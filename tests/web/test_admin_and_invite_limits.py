"""The admin pages carry a Content-Security-Policy too, and an invitation address is held to
the 254 characters an email address can have (SQLite would otherwise store any length)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import CareLink, Patient

pytestmark = pytest.mark.django_db


def test_the_admin_sign_in_page_has_a_content_security_policy(client: Client) -> None:
    response = client.get("/admin/login/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_an_invitation_address_longer_than_254_characters_is_refused(
        client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    address = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org"
    assert len(address) > 254

    response = client.post(reverse("care_invite"), {"email": address})

    assert response.status_code == 200
    assert 'id="invite_email_error"' in response.content.decode()
    assert not CareLink.objects.exists()
