"""What PulseRx refuses from a provider, or from a browser that says it comes from one: each
ends on the sign-in page with a plain message, nobody signed in, and no 500. The ID token's
signature, audience and nonce are checked, and the provider must be the configured issuer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import SignInIdentity, User
from tests.sso.conftest import CALLBACK
from tests.sso.provider_process import (
    OpenIDProvider,
    cancel_at_provider,
    log_in_at_provider,
)
from tests.support import free_port, https_client

pytestmark = pytest.mark.django_db
NOT_CONFIRMED = "PulseRx could not confirm this sign-in with Test Provider"


def start(client: Client) -> str:
    response = client.get(reverse("sso_start", kwargs={"name": "test"}))
    assert response.status_code == 302, response.content
    return str(response["Location"])


def answer(client: Client, url: str) -> str:
    """PulseRx's answer to a callback URL: it must send the browser to the sign-in page,
    whose text is returned."""
    response = client.get(url.removeprefix("https://testserver"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    return client.get(response["Location"]).content.decode()


@pytest.fixture
def ana(provider: OpenIDProvider) -> OpenIDProvider:
    provider.accounts = {"ana": {"email": "ana@example.org", "email_verified": True}}
    provider.write()
    return provider


def test_a_changed_state_is_refused(ana):
    client = https_client()
    back = urlsplit(log_in_at_provider(start(client), "ana", CALLBACK))
    query = {key: values[0] for key, values in parse_qs(back.query).items()}
    query["state"] = "not-the-state-this-browser-was-given"
    page = answer(client, f"{back.path}?{urlencode(query)}")
    assert NOT_CONFIRMED in page
    assert not User.objects.filter(email="ana@example.org").exists()


def test_an_answer_naming_another_issuer_is_refused(ana):
    """RFC 9207: the provider names itself in its answer; one naming another is a mix-up."""
    client = https_client()
    back = urlsplit(log_in_at_provider(start(client), "ana", CALLBACK))
    query = {key: values[0] for key, values in parse_qs(back.query).items()}
    assert query["iss"] == ana.issuer
    for iss in ("https://elsewhere.example", None):
        again = https_client()
        back = urlsplit(log_in_at_provider(start(again), "ana", CALLBACK))
        query = {key: values[0] for key, values in parse_qs(back.query).items()}
        if iss:
            query["iss"] = iss
        else:  # this provider says it always names itself: an answer without it is refused
            del query["iss"]
        assert NOT_CONFIRMED in answer(again, f"{back.path}?{urlencode(query)}")
    assert not User.objects.filter(email="ana@example.org").exists()


def test_a_changed_nonce_fails_the_id_token_check(ana):
    client = https_client()
    authorization = start(client)
    state = parse_qs(urlsplit(authorization).query)["state"][0]
    session = client.session
    key = f"_state_oidc_test_{state}"
    stored = session[key]
    stored["data"]["nonce"] = "a-nonce-the-provider-never-saw"
    session[key] = stored
    session.save()

    page = answer(client, log_in_at_provider(authorization, "ana", CALLBACK))
    assert NOT_CONFIRMED in page
    assert not SignInIdentity.objects.exists()


def test_a_callback_in_a_browser_that_started_no_sign_in_is_refused(ana):
    back = log_in_at_provider(start(https_client()), "ana", CALLBACK)
    page = answer(https_client(), back)  # another browser, no session
    assert "did not start in this browser, or took too long" in page
    assert not User.objects.filter(email="ana@example.org").exists()


def test_a_callback_with_nothing_in_it_is_refused(ana):
    client = https_client()
    start(client)
    page = answer(client, "/accounts/sso/test/callback/")
    assert NOT_CONFIRMED in page


def test_cancelling_at_the_provider_says_so(ana):
    client = https_client()
    page = answer(client, cancel_at_provider(start(client), CALLBACK))
    assert "Signing in with Test Provider was cancelled." in page


def test_an_id_token_signed_with_a_key_the_provider_never_published_is_refused(ana):
    ana.misbehave = "foreign-key"
    ana.write()
    client = https_client()
    page = answer(client, log_in_at_provider(start(client), "ana", CALLBACK))
    assert NOT_CONFIRMED in page
    assert not User.objects.filter(email="ana@example.org").exists()


def test_an_id_token_addressed_to_another_client_is_refused(ana):
    ana.misbehave = "wrong-audience"
    ana.write()
    client = https_client()
    page = answer(client, log_in_at_provider(start(client), "ana", CALLBACK))
    assert NOT_CONFIRMED in page
    assert not User.objects.filter(email="ana@example.org").exists()


def test_the_same_provider_answering_as_intended_is_accepted(ana):
    """The control for the two tests above: the provider's own ID token passes."""
    client = https_client()
    back = log_in_at_provider(start(client), "ana", CALLBACK)
    response = client.get(back.removeprefix("https://testserver"))
    assert response["Location"] == reverse("sso_finish")


def test_a_wrong_client_secret_fails_at_the_token_endpoint(ana, settings):
    settings.PULSERX_OIDC_PROVIDERS = {"test": ana.config(client_secret="not-the-secret")}
    client = https_client()
    page = answer(client, log_in_at_provider(start(client), "ana", CALLBACK))
    assert NOT_CONFIRMED in page


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(ana, settings):
    # The same server, reached under another name: its documents name 127.0.0.1.
    settings.PULSERX_OIDC_PROVIDERS = {
        "test": ana.config(issuer=f"http://localhost:{ana.port}")}
    client = https_client()
    response = client.get(reverse("sso_start", kwargs={"name": "test"}))
    assert response["Location"] == reverse("login")
    assert "PulseRx could not reach Test Provider just now" in client.get(
        response["Location"]).content.decode()


def test_a_provider_that_is_down_is_said_plainly(ana, settings):
    client = https_client()
    authorization = start(client)
    ana.stop()
    # Down before PulseRx first asked it: the sign-in button says so.
    settings.PULSERX_OIDC_PROVIDERS = {"test": ana.config(
        issuer=f"http://127.0.0.1:{free_port()}")}
    response = https_client().get(reverse("sso_start", kwargs={"name": "test"}))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    # Down between the button and the way back: the callback says so.
    settings.PULSERX_OIDC_PROVIDERS = {"test": ana.config()}
    state = parse_qs(urlsplit(authorization).query)["state"][0]
    query = urlencode({"code": "abc", "state": state, "iss": ana.issuer})
    page = answer(client, f"/accounts/sso/test/callback/?{query}")
    assert "PulseRx could not reach Test Provider just now" in page


def test_an_unknown_provider_name_is_a_404(ana):
    assert https_client().get(reverse("sso_start", kwargs={"name": "nope"})).status_code == 404
