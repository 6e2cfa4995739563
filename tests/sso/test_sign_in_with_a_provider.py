"""Signing in through a real OpenID Connect provider (oidc-provider on loopback), driven over
plain HTTP: the sign-in page's button, the provider's login, PulseRx's callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pulserx.accounts.models import AccountType, Patient, SignInIdentity, User
from tests.sso.conftest import CALLBACK
from tests.sso.provider_process import OpenIDProvider, log_in_at_provider
from tests.support import https_client

pytestmark = pytest.mark.django_db


def start(client: Client, next_url: str = "") -> str:
    """Press "Sign in with Test Provider"; the provider's authorization URL."""
    response = client.get(reverse("sso_start", kwargs={"name": "test"}),
                           {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def come_back(client: Client, provider: OpenIDProvider, login: str, **extra: str):
    """Sign in at the provider as `login`; PulseRx's answer to the callback."""
    back = log_in_at_provider(start(client), login, CALLBACK)
    return client.get(back.removeprefix("https://testserver"), **extra)


def signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def messages_after(client: Client, response) -> str:
    assert response.status_code == 302, response.content
    return client.get(response["Location"]).content.decode()


def test_the_request_carries_state_nonce_and_an_s256_challenge(provider):
    url = urlsplit(start(https_client()))
    query = parse_qs(url.query)

    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_confirmed_address_without_an_account_makes_one_after_the_finish_page(provider):
    provider.accounts = {"ana": {"email": "Ana@Example.org", "email_verified": True,
                                 "name": "Ana"}}
    provider.write()
    client = https_client(headers={"Accept-Language": "de-DE,de;q=0.9"})

    response = come_back(client, provider, "ana")

    assert response.status_code == 302 and response["Location"] == reverse("sso_finish")
    assert signed_in_as(client) is None
    assert not User.objects.filter(email__iexact="ana@example.org").exists()
    page = client.get(reverse("sso_finish")).content.decode()
    assert "ana@example.org".lower() in page.lower() and 'value="Ana"' in page
    assert "data-timezone-autofill" in page

    missing_zone = client.post(reverse("sso_finish"), {"first_name": "Ana",
                                                       "account_type": AccountType.PATIENT})
    assert missing_zone.status_code == 200
    assert not User.objects.filter(email="ana@example.org").exists()

    done = client.post(reverse("sso_finish"), {"first_name": "Ana",
                                               "account_type": AccountType.PATIENT,
                                               "timezone": "Europe/Paris"})
    user = User.objects.get(email="ana@example.org")
    assert done.status_code == 302 and done["Location"] == reverse("today")
    assert signed_in_as(client) == user.pk
    assert user.email_verified and not user.has_usable_password()
    assert user.language == "de" and user.first_name == "Ana"
    assert Patient.objects.get(user=user).timezone == "Europe/Paris"
    identity = SignInIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject, identity.provider) == (
        provider.issuer, "ana", "test")

    # The next time, the identity alone signs in: no finish page.
    again = https_client()
    assert come_back(again, provider, "ana")["Location"] == reverse("today")
    assert signed_in_as(again) == user.pk


def test_a_caregiver_made_through_a_provider_needs_no_zone(provider):
    provider.accounts = {"cy": {"email": "cy@example.org", "email_verified": True}}
    provider.write()
    client = https_client()
    come_back(client, provider, "cy")
    client.post(reverse("sso_finish"), {"first_name": "Cy",
                                        "account_type": AccountType.CAREGIVER})
    user = User.objects.get(email="cy@example.org")
    assert user.account_type == AccountType.CAREGIVER and not hasattr(user, "patient")
    assert signed_in_as(client) == user.pk


def test_a_confirmed_address_links_the_account_that_has_it(provider, patient):
    provider.accounts = {"alex": {"email": "ALEX@example.org", "email_verified": True}}
    provider.write()
    client = https_client()

    response = come_back(client, provider, "alex")

    assert response.status_code == 302 and response["Location"] == reverse("today")
    assert signed_in_as(client) == patient.user.pk
    assert SignInIdentity.objects.get(user=patient.user).subject == "alex"

    # Linked by its subject: a new address at the provider still signs in the same account.
    provider.accounts["alex"]["email"] = "alex.new@example.org"
    provider.write()
    later = https_client()
    come_back(later, provider, "alex")
    assert signed_in_as(later) == patient.user.pk


def test_an_unconfirmed_address_is_not_linked_to_the_account_that_has_it(provider, patient):
    provider.accounts = {"mallory": {"email": patient.user.email, "email_verified": False}}
    provider.write()
    client = https_client()

    response = come_back(client, provider, "mallory")

    assert response["Location"] == reverse("login")
    page = messages_after(client, response)
    assert "Test Provider has not confirmed that alex@example.org is your address" in page
    assert "link Test Provider in Settings" in page
    assert signed_in_as(client) is None
    assert not SignInIdentity.objects.exists()


def test_an_unconfirmed_address_no_account_has_makes_no_account(provider):
    provider.accounts = {"zoe": {"email": "zoe@example.org", "email_verified": False}}
    provider.write()
    client = https_client()
    page = messages_after(client, come_back(client, provider, "zoe"))
    assert "has not confirmed that zoe@example.org is your address" in page
    assert not User.objects.filter(email="zoe@example.org").exists()


def test_with_two_step_sign_in_on_the_code_is_still_asked_for(provider, patient):
    device = TOTPDevice.objects.create(user=patient.user, name="app", confirmed=True)
    provider.accounts = {"alex": {"email": patient.user.email, "email_verified": True}}
    provider.write()
    client = https_client()

    response = come_back(client, provider, "alex")

    assert response["Location"] == reverse("sign_in_code")
    assert signed_in_as(client) is None
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    done = client.post(reverse("sign_in_code"), {"code": code})
    assert done.status_code == 302 and signed_in_as(client) == patient.user.pk


def test_a_disabled_account_is_refused(provider, patient):
    User.objects.filter(pk=patient.user.pk).update(is_active=False)
    provider.accounts = {"alex": {"email": patient.user.email, "email_verified": True}}
    provider.write()
    client = https_client()
    page = messages_after(client, come_back(client, provider, "alex"))
    assert "This account cannot sign in." in page
    assert signed_in_as(client) is None and not SignInIdentity.objects.exists()


def test_signing_in_during_the_deletion_grace_period_cancels_it(provider, patient):
    from django.utils import timezone
    User.objects.filter(pk=patient.user.pk).update(delete_after=timezone.now())
    provider.accounts = {"alex": {"email": patient.user.email, "email_verified": True}}
    provider.write()
    client = https_client()
    come_back(client, provider, "alex")
    patient.user.refresh_from_db()
    assert signed_in_as(client) == patient.user.pk and patient.user.delete_after is None


def test_the_next_page_survives_the_round_trip(provider, patient):
    provider.accounts = {"alex": {"email": patient.user.email, "email_verified": True}}
    provider.write()
    client = https_client()
    back = log_in_at_provider(start(client, next_url="/history/"), "alex", CALLBACK)
    assert client.get(back.removeprefix("https://testserver"))["Location"] == "/history/"
