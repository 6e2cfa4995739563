"""Two-step sign-in: turning it on needs a current code from the app; a user who has it is
asked for a code (or a recovery code) after the password, every time; wrong codes lock like
wrong passwords; turning it off needs the password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pulserx.accounts.models import Patient
from tests.support import https_client

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db
START = datetime(2027, 3, 1, 9, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)


def code_of(device: TOTPDevice) -> str:
    """The code the app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def turn_on(client: Client) -> list[str]:
    """Settings → Turn on, with a current code; returns the recovery codes shown."""
    page = client.get(reverse("two_step_on"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("two_step_on"), {"code": code_of(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def sign_in(client: Client, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": "alex@example.org", "password": password})


@pytest.fixture
def with_two_step(patient: Patient) -> list[str]:
    client = https_client()
    with time_machine.travel(START - STEP, tick=False):
        client.force_login(patient.user)
        return turn_on(client)


def test_turning_on_shows_a_qr_code_and_needs_a_current_code(patient: Patient) -> None:
    client = https_client()
    with time_machine.travel(START, tick=False):
        client.force_login(patient.user)
        page = client.get(reverse("two_step_on")).content.decode()
        assert "<svg" in page and 'aria-label="QR code to scan' in page
        device = TOTPDevice.objects.get(user=patient.user)
        assert not device.confirmed
        # The key is shown as text too (base32, in groups of four).
        assert re.search(r'<code class="two-step-secret">([A-Z2-7]{4} ?){8}</code>', page)

        wrong = client.post(reverse("two_step_on"), {"code": "000000"
                                                     if code_of(device) != "000000"
                                                     else "111111"})
        assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
        device.refresh_from_db()
        assert not device.confirmed

        codes = turn_on(client)
        settings_page = client.get(reverse("account_settings")).content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=patient.user).count() == 10
    assert "Two-step sign-in" in settings_page and "10 recovery codes left." in settings_page


def test_the_right_password_alone_does_not_sign_in(with_two_step: list[str]) -> None:
    client = https_client()
    with time_machine.travel(START, tick=False):
        response = sign_in(client)
        assert response.status_code == 302 and response["Location"] == reverse("sign_in_code")
        assert "_auth_user_id" not in client.session
        protected = client.get(reverse("account_settings"))
        assert protected.status_code == 302
        assert protected["Location"].startswith(reverse("login"))
        assert "Now type the code" in client.get(reverse("sign_in_code")).content.decode()


def test_the_right_code_signs_in(patient: Patient, with_two_step: list[str]) -> None:
    client = https_client()
    with time_machine.travel(START, tick=False):
        sign_in(client)
        device = TOTPDevice.objects.get(user=patient.user)
        response = client.post(reverse("sign_in_code"), {"code": code_of(device)})
        assert response.status_code == 302 and response["Location"] == reverse("today")
        assert client.session["_auth_user_id"] == str(patient.user.pk)
        assert client.session["otp_device_id"] == device.persistent_id
        assert client.get(reverse("account_settings")).status_code == 200


def test_wrong_codes_lock_like_wrong_passwords(patient: Patient,
                                               with_two_step: list[str]) -> None:
    client = https_client()
    limit = settings.AXES_FAILURE_LIMIT
    with time_machine.travel(START, tick=False):
        assert sign_in(client).status_code == 302
        device = TOTPDevice.objects.get(user=patient.user)
        right = code_of(device)
        guesses = [f"{n:06d}" for n in range(limit + 1) if f"{n:06d}" != right][:limit]
        statuses = [client.post(reverse("sign_in_code"), {"code": guess}).status_code
                    for guess in guesses]
        assert statuses == [200] * (limit - 1) + [429]
        # Locked: the right code waits, and so does the right password, from anywhere.
        assert client.post(reverse("sign_in_code"), {"code": right}).status_code == 429
        assert "_auth_user_id" not in client.session
        elsewhere = Client(REMOTE_ADDR="198.51.100.20",
                           headers={"Host": "testserver", "X-Forwarded-Proto": "https"})
        assert sign_in(elsewhere).status_code == 429


def test_a_recovery_code_works_once(patient: Patient, with_two_step: list[str]) -> None:
    code = with_two_step[0]
    first = https_client()
    with time_machine.travel(START, tick=False):
        sign_in(first)
        response = first.post(reverse("sign_in_code"), {"code": code.upper()})
        assert response.status_code == 302
        assert first.session["_auth_user_id"] == str(patient.user.pk)

        second = https_client()
        sign_in(second)
        again = second.post(reverse("sign_in_code"), {"code": code})
        assert again.status_code == 200 and "That code is not right" in again.content.decode()
        assert "_auth_user_id" not in second.session
    assert StaticToken.objects.filter(device__user=patient.user).count() == 9


def test_the_pending_sign_in_expires(patient: Patient, with_two_step: list[str]) -> None:
    client = https_client()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=5, seconds=1))
        device = TOTPDevice.objects.get(user=patient.user)
        response = client.post(reverse("sign_in_code"), {"code": code_of(device)})
        assert response.status_code == 302 and response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session
        assert "the time to type the code ran out" in client.get(
            reverse("login")).content.decode()


def test_the_code_page_without_a_password_step_sends_to_sign_in(client: Client) -> None:
    response = client.post(reverse("sign_in_code"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_turning_off_needs_the_password(patient: Patient, with_two_step: list[str]) -> None:
    client = https_client()
    client.force_login(patient.user)  # now: the session outlives the fixture's moment
    wrong = client.post(reverse("two_step_off"), {"password": "not it"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=patient.user).exists()

    right = client.post(reverse("two_step_off"), {"password": PASSWORD})
    assert right.status_code == 302
    assert not TOTPDevice.objects.filter(user=patient.user).exists()
    assert not StaticToken.objects.filter(device__user=patient.user).exists()
    assert sign_in(https_client()).status_code == 302  # the password alone again
    fresh = https_client()
    assert sign_in(fresh)["Location"] == reverse("today")


def test_a_password_reset_keeps_the_second_step(patient: Patient,
                                                with_two_step: list[str]) -> None:
    patient.user.set_password("a brand new secret 42")
    patient.user.save()
    client = https_client()
    response = sign_in(client, "a brand new secret 42")
    assert response["Location"] == reverse("sign_in_code")
    assert "_auth_user_id" not in client.session


def test_the_address_link_does_not_stand_in_for_the_code(patient: Patient,
                                                         with_two_step: list[str]) -> None:
    from pulserx.accounts.verification import verification_token

    patient.user.email_verified = False
    patient.user.save(update_fields=["email_verified"])
    client = https_client()
    token = verification_token(patient.user)
    response = client.get(reverse("verify_email", kwargs={"token": token}))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    patient.user.refresh_from_db()
    assert patient.user.email_verified


def test_api_tokens_are_not_affected(patient: Patient, with_two_step: list[str]) -> None:
    from pulserx.api.models import ApiToken

    _, token = ApiToken.issue(patient.user, "phone")
    script = https_client(headers={"Authorization": f"Bearer {token}"})
    me = script.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == patient.user.email
