"""Settings → API tokens: create one with a name and an expiry (shown once), see the list,
revoke one; a token stops working when it expires, is revoked, or the password changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.api.models import ApiToken
from tests.support import https_client

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def settings_client(patient: Patient) -> Client:
    client = https_client()
    client.force_login(patient.user)
    return client


def created_token(html: str) -> str:
    match = re.search(r'id="new-api-token" type="text" readonly value="(prx_[^"]+)"', html)
    assert match, "the new token is not on the page"
    return match.group(1)


def api_me(token: str) -> int:
    return https_client(headers={"Authorization": f"Bearer {token}"}).get(
        "/api/v1/me").status_code


@time_machine.travel(NOW, tick=False)
def test_a_token_is_shown_once_listed_and_works(patient: Patient) -> None:
    client = settings_client(patient)

    response = client.post(reverse("api_token_create"), follow=True,
                           data={"name": "My spreadsheet", "expires": "30"})

    assert response.status_code == 200
    token = created_token(response.content.decode())
    row = ApiToken.objects.get()
    assert row.name == "My spreadsheet" and row.expires_at == NOW + timedelta(days=30)
    assert token not in row.digest  # only its digest is stored
    page = client.get(reverse("account_settings")).content.decode()
    assert "My spreadsheet" in page and row.hint in page and "expires 31 March 2027" in page
    assert token not in page  # never shown again
    assert api_me(token) == 200


def test_an_expired_token_is_refused(patient: Patient) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        client = settings_client(patient)
        token = created_token(client.post(reverse("api_token_create"), follow=True, data={
            "name": "Short lived", "expires": "30"}).content.decode())
        clock.shift(timedelta(days=30, seconds=1))
        assert api_me(token) == 401
        client.force_login(patient.user)  # the session of a month ago has ended too
        assert "Expired" in client.get(reverse("account_settings")).content.decode()


def test_revoking_a_token_from_settings(patient: Patient) -> None:
    client = settings_client(patient)
    token = created_token(client.post(reverse("api_token_create"), follow=True, data={
        "name": "Old script", "expires": "never"}).content.decode())
    row = ApiToken.objects.get()

    response = client.post(reverse("api_token_revoke", args=[row.pk]))

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert api_me(token) == 401


def test_another_users_token_cannot_be_revoked(patient: Patient,
                                               other_patient: Patient) -> None:
    theirs, _ = ApiToken.issue(other_patient.user, "theirs")
    response = settings_client(patient).post(reverse("api_token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("data", [{"name": "  ", "expires": "30"},
                                  {"name": "x", "expires": "forever"}])
def test_a_token_needs_a_name_and_a_known_expiry(patient: Patient, data) -> None:
    response = settings_client(patient).post(reverse("api_token_create"), data)
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_changing_the_password_revokes_every_token(patient: Patient) -> None:
    client = settings_client(patient)
    token = created_token(client.post(reverse("api_token_create"), follow=True, data={
        "name": "Script", "expires": "never"}).content.decode())

    response = client.post(reverse("password_change"), {
        "old_password": "correct horse battery", "new_password1": "a brand new secret 42",
        "new_password2": "a brand new secret 42"})

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert api_me(token) == 401


def test_a_password_reset_revokes_every_token(patient: Patient) -> None:
    _, token = ApiToken.issue(patient.user, "script")
    patient.user.set_password("reset to something new 7")
    patient.user.save()
    assert api_me(token) == 401


@time_machine.travel(NOW, tick=False)
def test_reloading_the_page_that_shows_a_new_token_creates_no_second_one(
        patient: Patient) -> None:
    client = settings_client(patient)
    created = client.post(reverse("api_token_create"), {"name": "Script", "expires": "never"})
    assert created.status_code == 302
    shown = client.get(created["Location"])
    assert shown["Cache-Control"].startswith("private, no-store") or \
        "no-store" in shown["Cache-Control"]
    created_token(shown.content.decode())
    reloaded = client.get(created["Location"])
    assert reloaded.status_code == 302 and reloaded["Location"].endswith("#api-tokens")
    assert ApiToken.objects.count() == 1
