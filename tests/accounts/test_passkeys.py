"""Passkeys: adding one needs the password and a verified, discoverable credential; one signs
in on its own (no password, no code) or stands in for the two-step code; removing one needs
the password. Every bent answer is refused with its reason, signs nobody in and counts as a
failed sign-in. Real signatures from a software device (tests/accounts/passkey_device.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Passkey, Patient, SignedInSession
from tests.accounts.passkey_device import PasskeyDevice
from tests.accounts.test_two_factor import turn_on
from tests.support import https_client

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db
SITE = "https://pulserx.example"
RP_ID = "pulserx.example"
START = datetime(2027, 3, 1, 9, 0, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def public_address(settings: SettingsWrapper) -> None:
    settings.SITE_URL = SITE
    settings.PULSERX_PASSKEY_RP_ID = ""


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def add_passkey(client: Client, device: PasskeyDevice, name: str = "My phone",
                **bend: Any):
    """Settings → Add a passkey: name and password, then the device's answer."""
    page = client.post(reverse("add_passkey"), {"name": name, "password": PASSWORD})
    assert page.status_code == 200
    options = page.context["options"]
    return client.post(reverse("finish_adding_passkey"),
                       {"credential": device.create(options, **bend)})


def options(client: Client, url_name: str) -> dict[str, Any]:
    response = client.post(reverse(url_name))
    assert response.status_code == 200, response.content
    result: dict[str, Any] = json.loads(response.content)
    return result


def sign_in_with(client: Client, device: PasskeyDevice, **bend: Any):
    answer = device.get(options(client, "passkey_sign_in_options"), **bend)
    return client.post(reverse("passkey_sign_in"), {"credential": answer})


def message_after(client: Client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


@pytest.fixture
def device() -> PasskeyDevice:
    return PasskeyDevice(SITE, RP_ID)


@pytest.fixture
def with_passkey(patient: Patient, device: PasskeyDevice) -> PasskeyDevice:
    owner = https_client()
    owner.force_login(patient.user)
    response = add_passkey(owner, device)
    assert response.status_code == 302
    return device


# --- adding --------------------------------------------------------------------------------

def test_adding_asks_for_the_password_then_a_verified_discoverable_passkey(
        patient: Patient, device: PasskeyDevice) -> None:
    client = https_client()
    client.force_login(patient.user)
    wrong = client.post(reverse("add_passkey"), {"name": "My phone", "password": "nope"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert "options" not in wrong.context

    page = client.post(reverse("add_passkey"), {"name": "My phone", "password": PASSWORD})
    options = page.context["options"]
    assert options["rp"] == {"id": RP_ID, "name": "PulseRx"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert 'id="passkey-options" type="application/json"' in page.content.decode()

    done = client.post(reverse("finish_adding_passkey"),
                       {"credential": device.create(options)})
    assert done["Location"].endswith("#passkeys")
    passkey = Passkey.objects.get(user=patient.user)
    assert passkey.name == "My phone" and passkey.transports == ["internal"]
    settings_page = client.get(reverse("account_settings")).content.decode()
    assert "My phone" in settings_page and "not used yet" in settings_page

    # The same device is not asked to make a second one, and the same answer is not kept twice.
    again = client.post(reverse("add_passkey"), {"name": "Again", "password": PASSWORD})
    assert [c["id"] for c in again.context["options"]["excludeCredentials"]] == [
        passkey.credential_id]


def test_an_answer_for_another_site_or_without_verification_adds_nothing(
        patient: Patient, device: PasskeyDevice) -> None:
    client = https_client()
    client.force_login(patient.user)
    for bend, reason in [({"origin": "https://evil.example"}, "made for another website"),
                         ({"rp_id": "evil.example"}, "made for another website"),
                         ({"verified": False}, "did not check that it is you")]:
        response = add_passkey(client, device, **bend)
        assert reason in message_after(client, response)
    assert not Passkey.objects.exists()


def test_an_add_answer_is_good_once(patient: Patient, device: PasskeyDevice) -> None:
    client = https_client()
    client.force_login(patient.user)
    page = client.post(reverse("add_passkey"), {"name": "My phone", "password": PASSWORD})
    answer = device.create(page.context["options"])
    client.post(reverse("finish_adding_passkey"), {"credential": answer})
    replay = client.post(reverse("finish_adding_passkey"), {"credential": answer})
    assert "already used" in message_after(client, replay)
    assert Passkey.objects.count() == 1


# --- signing in ----------------------------------------------------------------------------

def test_a_passkey_signs_in_with_no_password_and_no_code(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    owner = https_client()
    owner.force_login(patient.user)
    turn_on(owner)  # two-step sign-in is on: the passkey is both steps
    client = https_client(headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140"})
    asked = options(client, "passkey_sign_in_options")
    assert asked["allowCredentials"] == [] and asked["userVerification"] == "required"
    assert asked["rpId"] == RP_ID
    response = client.post(reverse("passkey_sign_in") + "?next=/history/",
                           {"credential": with_passkey.get(asked), "next": "/history/"})
    assert response.status_code == 302 and response["Location"] == "/history/"
    assert client.session["_auth_user_id"] == str(patient.user.pk)
    # The same path as a password sign-in: this browser is listed in Signed-in sessions.
    assert SignedInSession.objects.filter(user=patient.user,
                                          session_key=client.session.session_key).exists()
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_the_passkey_stands_in_for_the_code_after_the_password(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    owner = https_client()
    owner.force_login(patient.user)
    turn_on(owner)
    client = https_client()
    client.post(reverse("login"), {"username": patient.user.email, "password": PASSWORD})
    page = client.get(reverse("sign_in_code")).content.decode()
    assert "Use a passkey instead" in page
    asked = options(client, "passkey_second_step_options")
    assert [c["id"] for c in asked["allowCredentials"]] == [Passkey.objects.get().credential_id]
    response = client.post(reverse("passkey_second_step"),
                           {"credential": with_passkey.get(asked)})
    assert response.status_code == 302 and signed_in(client)


def test_another_accounts_passkey_does_not_finish_this_sign_in(
        patient: Patient, other_patient: Patient, device: PasskeyDevice) -> None:
    for user in (patient.user, other_patient.user):
        owner = https_client()
        owner.force_login(user)
        turn_on(owner) if user == patient.user else add_passkey(owner, device)
    client = https_client()
    client.post(reverse("login"), {"username": patient.user.email, "password": PASSWORD})
    assert "Use a passkey instead" not in client.get(reverse("sign_in_code")).content.decode()
    answer = device.get(options(client, "passkey_second_step_options"))
    response = client.post(reverse("passkey_second_step"), {"credential": answer})
    assert "is not known here" in message_after(client, response)
    assert not signed_in(client)


# --- refusals ------------------------------------------------------------------------------

def tampered(device: PasskeyDevice, asked: dict[str, Any]) -> str:
    """A right answer whose clientDataJSON was changed after it was signed."""
    client_data = json.dumps({"type": "webauthn.get", "challenge": asked["challenge"],
                              "origin": SITE, "crossOrigin": False, "extra": "x"}).encode()
    return device.get(asked, client_data=client_data)


REFUSALS = {
    "another origin": ({"origin": "https://evil.example"}, "made for another website"),
    "another RP id": ({"rp_id": "evil.example"}, "made for another website"),
    "not verified": ({"verified": False}, "did not check that it is you"),
    "counter went backwards": ({"counter_step": -1}, "use counter went backwards"),
}


@pytest.mark.parametrize("bend", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_bent_answer_is_refused_with_its_reason(
        patient: Patient, with_passkey: PasskeyDevice, bend: tuple[dict[str, Any], str]) -> None:
    if "counter_step" in bend[0]:
        sign_in_with(https_client(), with_passkey, counter_step=5)  # the server saw 5
    changes, reason = bend
    client = https_client()
    response = sign_in_with(client, with_passkey, **changes)
    assert reason in message_after(client, response)
    assert not signed_in(client)


def test_a_tampered_client_data_is_refused(patient: Patient,
                                           with_passkey: PasskeyDevice) -> None:
    client = https_client()
    asked = options(client, "passkey_sign_in_options")
    response = client.post(reverse("passkey_sign_in"),
                           {"credential": tampered(with_passkey, asked)})
    assert "signature could not be verified" in message_after(client, response)
    assert not signed_in(client)
    assert Passkey.objects.get().last_used_at is None


def test_an_unknown_passkey_is_refused_and_counts_against_the_address_only(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    stranger = PasskeyDevice(SITE, RP_ID)
    client = https_client()
    response = sign_in_with(client, stranger)
    assert "is not known here" in message_after(client, response)
    assert not signed_in(client)
    attempts = list(AccessAttempt.objects.values_list("username", "failures_since_start"))
    assert attempts == [(None, 1)]


def test_an_expired_challenge_is_refused(patient: Patient,
                                         with_passkey: PasskeyDevice) -> None:
    client = https_client()
    with time_machine.travel(START, tick=False) as clock:
        asked = options(client, "passkey_sign_in_options")
        clock.shift(timedelta(minutes=5, seconds=1))
        response = client.post(reverse("passkey_sign_in"),
                               {"credential": with_passkey.get(asked)})
        assert "The passkey request expired." in message_after(client, response)
    assert not signed_in(client)


def test_a_challenge_is_good_once(patient: Patient, with_passkey: PasskeyDevice) -> None:
    client = https_client()
    asked = options(client, "passkey_sign_in_options")
    first = client.post(reverse("passkey_sign_in"), {"credential": tampered(with_passkey, asked)})
    assert "could not be verified" in message_after(client, first)
    # The right answer to the same challenge comes too late: the challenge is spent.
    again = client.post(reverse("passkey_sign_in"), {"credential": with_passkey.get(asked)})
    assert "already used" in message_after(client, again)
    assert not signed_in(client)


def test_a_captured_answer_replayed_elsewhere_signs_nobody_in(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    owner = https_client()
    answer = with_passkey.get(options(owner, "passkey_sign_in_options"))
    assert owner.post(reverse("passkey_sign_in"), {"credential": answer}).status_code == 302
    thief = https_client()
    replay = thief.post(reverse("passkey_sign_in"), {"credential": answer})
    assert "No passkey request was waiting" in message_after(thief, replay)
    options(thief, "passkey_sign_in_options")  # a fresh challenge does not match the old answer
    replay = thief.post(reverse("passkey_sign_in"), {"credential": answer})
    assert "not for the request on this page" in message_after(thief, replay)
    assert not signed_in(thief)


def test_garbage_is_refused_without_an_error_page(patient: Patient) -> None:
    client = https_client()
    options(client, "passkey_sign_in_options")
    for garbage in ["", "{", '{"id": 1}', json.dumps({"id": "x", "rawId": "x",
                                                     "type": "public-key", "response": {}})]:
        response = client.post(reverse("passkey_sign_in"), {"credential": garbage})
        assert response.status_code == 302
    assert not signed_in(client)


def test_failed_passkey_sign_ins_lock_the_account_like_wrong_passwords(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    statuses = []
    for n in range(limit):
        client = Client(REMOTE_ADDR=f"198.18.0.{n + 1}",
                        headers={"Host": "testserver", "X-Forwarded-Proto": "https"})
        statuses.append(sign_in_with(client, with_passkey, verified=False).status_code)
    assert statuses == [302] * (limit - 1) + [429]
    # The account is locked: neither the passkey nor the right password gets in now.
    client = https_client()
    assert sign_in_with(client, with_passkey).status_code == 429
    assert client.post(reverse("login"), {"username": patient.user.email,
                                          "password": PASSWORD}).status_code == 429
    assert not signed_in(client)


# --- removing, and the RP id ---------------------------------------------------------------

def test_removing_a_passkey_asks_for_the_password(patient: Patient,
                                                  with_passkey: PasskeyDevice) -> None:
    client = https_client()
    client.force_login(patient.user)
    passkey = Passkey.objects.get()
    url = reverse("remove_passkey", args=[passkey.pk])
    wrong = client.post(url, {"password": "nope"})
    assert wrong.status_code == 200 and Passkey.objects.exists()
    removed = client.post(url, {"password": PASSWORD})
    assert removed["Location"].endswith("#passkeys") and not Passkey.objects.exists()
    stranger = https_client()
    assert "is not known here" in message_after(stranger, sign_in_with(stranger, with_passkey))


def test_another_accounts_passkey_cannot_be_removed(patient: Patient, other_patient: Patient,
                                                   with_passkey: PasskeyDevice) -> None:
    client = https_client()
    client.force_login(other_patient.user)
    url = reverse("remove_passkey", args=[Passkey.objects.get().pk])
    assert client.post(url, {"password": PASSWORD}).status_code == 404
    assert Passkey.objects.exists()


def test_the_rp_id_may_be_a_parent_domain(patient: Patient, settings: SettingsWrapper) -> None:
    settings.SITE_URL = "https://app.pulserx.example"
    settings.PULSERX_PASSKEY_RP_ID = "pulserx.example"
    device = PasskeyDevice("https://app.pulserx.example", "pulserx.example")
    client = https_client()
    client.force_login(patient.user)
    assert add_passkey(client, device).status_code == 302
    assert Passkey.objects.count() == 1
    stranger = https_client()
    assert options(stranger, "passkey_sign_in_options")["rpId"] == "pulserx.example"


def test_the_sign_in_page_offers_a_passkey_through_its_script(patient: Patient) -> None:
    page = https_client().get(reverse("login")).content.decode()
    assert re.search(r'<form [^>]*data-passkey-get="/accounts/login/passkey/options/" '
                     r'data-passkey-autofill hidden', page)
    assert "Sign in with a passkey" in page and "pulserx/passkeys.js" in page
    # The email field's suggestions list the device's passkeys too (the autofill request).
    assert re.search(r'<input type="email" name="username" [^>]*'
                     r'autocomplete="username webauthn"', page)


def test_the_buttons_options_replace_those_of_the_waiting_autofill_request(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    """The sign-in page asks for options as it opens (autofill); pressing the button stops that
    request and asks again: the newer challenge is the one that counts."""
    pressing = https_client()
    waiting = options(pressing, "passkey_sign_in_options")
    pressed = options(pressing, "passkey_sign_in_options")
    assert pressed["challenge"] != waiting["challenge"]
    response = pressing.post(reverse("passkey_sign_in"),
                             {"credential": with_passkey.get(pressed)})
    assert response.status_code == 302 and signed_in(pressing)

    # An answer to the replaced challenge (its request was stopped) signs nobody in.
    late = https_client()
    waiting = options(late, "passkey_sign_in_options")
    options(late, "passkey_sign_in_options")
    response = late.post(reverse("passkey_sign_in"), {"credential": with_passkey.get(waiting)})
    assert "not for the request on this page" in message_after(late, response)
    assert not signed_in(late)


def test_the_passkey_step_after_the_password_expires_like_the_code(
        patient: Patient, with_passkey: PasskeyDevice) -> None:
    owner = https_client()
    owner.force_login(patient.user)
    turn_on(owner)
    client = https_client()
    with time_machine.travel(START, tick=False) as clock:
        client.post(reverse("login"), {"username": patient.user.email, "password": PASSWORD})
        asked = options(client, "passkey_second_step_options")
        clock.shift(timedelta(minutes=5, seconds=1))
        late = client.post(reverse("passkey_second_step"),
                           {"credential": with_passkey.get(asked)})
        assert late["Location"] == reverse("login")
        assert "the time to type the code ran out" in client.get(late["Location"]).content.decode()
        again = client.post(reverse("passkey_second_step_options"))
        assert again.status_code == 400 and "ran out" in json.loads(again.content)["error"]
    assert not signed_in(client)
