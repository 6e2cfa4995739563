"""Single sign-on in a real Chromium through a real OpenID Connect provider (oidc-provider on
loopback): a new account after the finish page, the second step still asked for, and an
unconfirmed address turned away with the reason on the sign-in page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient, SignInIdentity, User
from tests.browser.conftest import HOME_ZONE, WebServer, axe_violations
from tests.sso.provider_process import OpenIDProvider
from tests.support import free_port


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def provider(tmp_path: Path, web_port: int) -> Iterator[OpenIDProvider]:
    running = OpenIDProvider(
        config_path=tmp_path / "provider.json",
        redirect_uris=[f"http://127.0.0.1:{web_port}/accounts/sso/test/callback/"])
    running.start()
    yield running
    running.stop()


@pytest.fixture
def web_server(transactional_db: None, provider: OpenIDProvider, web_port: int,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    """PulseRx told about the provider through its environment, as an operator would."""
    for name, value in provider.environment().items():
        monkeypatch.setenv(name, value)
    server = WebServer(web_port)
    server.start()
    yield server
    server.stop()


def sign_in_at_provider(page: Page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test Provider").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


@pytest.mark.browser
def test_a_new_person_signs_up_through_the_provider(page: Page, provider: OpenIDProvider) -> None:
    provider.accounts = {"ana": {"email": "ana@example.org", "email_verified": True,
                                 "name": "Ana"}}
    provider.write()
    page.goto("/accounts/login/")
    assert axe_violations(page) == []

    sign_in_at_provider(page, "ana")

    page.wait_for_url("**/accounts/sso/finish/")
    page.get_by_role("heading", name="Finish creating your account").wait_for()
    expect(page.get_by_label("Your name")).to_have_value("Ana")
    expect(page.get_by_label("Home time zone")).to_have_value(HOME_ZONE)  # from the browser
    assert axe_violations(page) == []
    page.get_by_label("Patient — I take medications").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Welcome to PulseRx.").wait_for()

    user = User.objects.get(email="ana@example.org")
    assert user.email_verified and not user.has_usable_password()
    assert Patient.objects.get(user=user).timezone == HOME_ZONE
    assert SignInIdentity.objects.get(user=user).issuer == provider.issuer

    page.goto("/accounts/settings/")
    linked = page.locator("#sign-ins")
    expect(linked).to_contain_text("ana@example.org")
    expect(linked).to_contain_text("Your only way in: it stays linked.")
    expect(linked.get_by_role("link", name="Link Test Provider")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.browser
def test_the_second_step_is_asked_for_after_the_provider(page: Page, provider: OpenIDProvider,
                                                         patient: Patient) -> None:
    device = TOTPDevice.objects.create(user=patient.user, name="app", confirmed=True)
    provider.accounts = {"alex": {"email": patient.user.email, "email_verified": True}}
    provider.write()

    sign_in_at_provider(page, "alex")

    page.wait_for_url("**/accounts/login/code/")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert SignInIdentity.objects.filter(user=patient.user).exists()


@pytest.mark.browser
def test_an_unconfirmed_address_is_turned_away_with_the_reason(
        page: Page, provider: OpenIDProvider, patient: Patient) -> None:
    provider.accounts = {"mallory": {"email": patient.user.email, "email_verified": False}}
    provider.write()

    sign_in_at_provider(page, "mallory")

    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_role("status").filter(has_text="Test Provider")).to_contain_text(
        "Test Provider has not confirmed that alex@example.org is your address")
    assert not SignInIdentity.objects.exists()
