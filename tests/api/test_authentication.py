"""Who may call the API: personal tokens, the browser session with CSRF, nobody else."""

from __future__ import annotations

import hashlib

import pytest
from django.middleware.csrf import _get_new_csrf_string

from pulserx.accounts.models import AccountType, User
from pulserx.api.models import ApiToken
from pulserx.reminders.models import Dose
from tests.api.conftest import API, session_client
from tests.support import https_client


def test_a_token_made_in_the_browser_authenticates_a_script(patient):
    browser = session_client(patient)

    created = browser.post(f"{API}/tokens", {"name": "phone"}, content_type="application/json")

    assert created.status_code == 201
    token = created.json()["token"]
    row = ApiToken.objects.get(pk=created.json()["id"])
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.name, row.hint, row.digest}  # only its hash is kept
    script = https_client(headers={"Authorization": f"Bearer {token}"})
    me = script.get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["email"] == patient.user.email
    row.refresh_from_db()
    assert row.last_used_at is not None
    listed = script.get(f"{API}/tokens").json()
    assert [(t["id"], t["name"]) for t in listed] == [(row.pk, "phone")]
    assert "token" not in listed[0]


def test_a_revoked_token_is_refused(patient):
    _, token = ApiToken.issue(patient.user, "laptop")
    script = https_client(headers={"Authorization": f"Bearer {token}"})
    token_id = ApiToken.objects.get().pk

    assert script.delete(f"{API}/tokens/{token_id}").status_code == 204

    assert script.get(f"{API}/me").status_code == 401
    assert not ApiToken.objects.exists()


def test_a_token_cannot_mint_tokens(api):
    response = api.post(f"{API}/tokens", {"name": "more"}, content_type="application/json")

    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_nobody_revokes_someone_elses_token(patient, other_patient):
    theirs, _ = ApiToken.issue(other_patient.user, "theirs")

    response = session_client(patient).delete(f"{API}/tokens/{theirs.pk}")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/me"), ("get", "/medications"), ("get", "/doses"), ("get", "/notifications"),
    ("post", "/test-reminder"), ("post", "/doses/1/take"), ("delete", "/medications/1"),
])
def test_anonymous_requests_get_401(db, method, path):
    response = getattr(https_client(), method)(f"{API}{path}")

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("header", ["Bearer prx_not-a-real-token", "Bearer ", "Token abc"])
def test_a_wrong_token_gets_401(patient, header):
    response = https_client(headers={"Authorization": header}).get(f"{API}/me")

    assert response.status_code == 401


def test_a_session_post_without_the_csrf_token_is_rejected(patient):
    browser = https_client(enforce_csrf_checks=True)
    browser.force_login(patient.user)

    refused = browser.post(f"{API}/test-reminder")

    assert refused.status_code == 403
    assert not Dose.objects.exists()
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(f"{API}/test-reminder", headers={"X-CSRFToken": secret, "Origin": "https://testserver"})
    assert accepted.status_code == 201
    assert Dose.objects.count() == 1


def test_a_session_get_needs_no_csrf_token(patient):
    browser = https_client(enforce_csrf_checks=True)
    browser.force_login(patient.user)

    assert browser.get(f"{API}/me").status_code == 200


def test_a_bearer_token_needs_no_csrf_token(patient):
    _, token = ApiToken.issue(patient.user, "script")
    script = https_client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})

    assert script.post(f"{API}/test-reminder").status_code == 201


def test_a_caregiver_without_a_patient_profile_is_told_so(caregiver):
    browser = https_client()
    browser.force_login(caregiver)

    response = browser.get(f"{API}/me")

    assert response.status_code == 403
    assert response.json() == {"detail": "This account has no patient profile."}
    assert browser.get(f"{API}/notifications").status_code == 200


def test_an_inactive_users_token_is_refused(patient):
    _, token = ApiToken.issue(patient.user, "old")
    User.objects.filter(pk=patient.user.pk).update(is_active=False)

    response = https_client(headers={"Authorization": f"Bearer {token}"}).get(f"{API}/me")

    assert response.status_code == 401
    assert AccountType.PATIENT  # the persona is a patient: only activity changed
