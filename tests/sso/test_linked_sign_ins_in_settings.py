"""Settings → Sign in with other accounts: link a provider while signed in (no confirmed
address needed: the person proved both sides), and unlink only while another way in is left."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from pulserx.accounts.models import SignInIdentity, User
from tests.sso.conftest import CALLBACK
from tests.sso.provider_process import log_in_at_provider
from tests.support import https_client

pytestmark = pytest.mark.django_db


def link_href(client) -> str:
    """Settings' "Link Test Provider" link."""
    page = client.get(reverse("account_settings")).content.decode()
    found = re.search(r'<a class="btn btn-secondary" href="([^"]+)">Link Test Provider</a>', page)
    assert found, page
    return html.unescape(found.group(1))


def link(client, login: str):
    response = client.get(link_href(client))
    assert response.status_code == 302
    back = log_in_at_provider(response["Location"], login, CALLBACK)
    return client.get(back.removeprefix("https://testserver"))


def test_settings_offer_to_link_the_configured_provider(provider, patient):
    client = https_client()
    client.force_login(patient.user)
    page = client.get(reverse("account_settings")).content.decode()
    assert "Sign in with other accounts" in page and "Link Test Provider" in page


def test_linking_while_signed_in_needs_no_confirmed_address(provider, patient):
    provider.accounts = {"alex-work": {"email": "alex@work.example", "email_verified": False}}
    provider.write()
    client = https_client()
    client.force_login(patient.user)

    response = link(client, "alex-work")

    assert response["Location"] == reverse("account_settings") + "#sign-ins"
    page = client.get(response["Location"]).content.decode()
    assert "You can now sign in with Test Provider." in page
    assert "alex@work.example" in page and "Unlink" in page
    assert SignInIdentity.objects.get(user=patient.user).subject == "alex-work"
    # From now on that provider account signs in as this one, though its address is not confirmed.
    other = https_client()
    start = other.get(reverse("sso_start", kwargs={"name": "test"}))
    back = log_in_at_provider(start["Location"], "alex-work", CALLBACK)
    assert other.get(back.removeprefix("https://testserver"))["Location"] == reverse("today")


def test_a_link_not_handed_out_by_settings_links_nothing(provider, patient, other_patient):
    """Another page cannot make a signed-in browser link a provider account it chose: the
    link's token belongs to the session Settings gave it to."""
    victim, attacker = https_client(), https_client()
    victim.force_login(patient.user)
    attacker.force_login(other_patient.user)
    for href in (link_href(attacker), reverse("sso_start", kwargs={"name": "test"}) + "?link=1"):
        response = victim.get(href)
        assert response["Location"] == reverse("account_settings") + "#sign-ins"
        assert "choose “Link Test Provider” again" in victim.get(
            response["Location"]).content.decode()


def test_an_identity_that_signs_in_to_another_account_is_not_linked_again(
        provider, patient, other_patient):
    provider.accounts = {"shared": {"email": "x@example.org", "email_verified": True}}
    provider.write()
    SignInIdentity.objects.create(user=other_patient.user, provider="test",
                                  issuer=provider.issuer, subject="shared")
    client = https_client()
    client.force_login(patient.user)
    page = client.get(link(client, "shared")["Location"]).content.decode()
    assert "already signs in to another PulseRx account" in page
    assert not SignInIdentity.objects.filter(user=patient.user).exists()


def test_unlinking_needs_another_way_in(provider, db):
    user = User.objects.create_user("kim@example.org", None, email_verified=True)
    first = SignInIdentity.objects.create(user=user, provider="test", issuer=provider.issuer,
                                          subject="kim")
    client = https_client()
    client.force_login(user)
    page = client.get(reverse("account_settings")).content.decode()
    assert "Your only way in: it stays linked." in page

    refused = client.post(reverse("sso_unlink", kwargs={"identity_id": first.pk}))
    assert "This is the only way into your account" in client.get(
        refused["Location"]).content.decode()
    assert SignInIdentity.objects.filter(pk=first.pk).exists()

    User.objects.filter(pk=user.pk).update(password=make_password("a new good password"))
    client.force_login(User.objects.get(pk=user.pk))
    done = client.post(reverse("sso_unlink", kwargs={"identity_id": first.pk}))
    assert "Test Provider no longer signs in to your account." in client.get(
        done["Location"]).content.decode()
    assert not SignInIdentity.objects.exists()


def test_nobody_unlinks_another_persons_sign_in(provider, patient, other_patient):
    theirs = SignInIdentity.objects.create(user=other_patient.user, provider="test",
                                           issuer=provider.issuer, subject="sam")
    client = https_client()
    client.force_login(patient.user)
    assert client.post(reverse("sso_unlink", kwargs={"identity_id": theirs.pk})).status_code == 404
    assert SignInIdentity.objects.filter(pk=theirs.pk).exists()
