"""Two-step sign-in and passkeys as a person meets them in Chromium: sign up, confirm the
address from the email, turn the code on, and be asked for it; make a passkey with Chromium's
virtual authenticator (over the DevTools protocol), sign in with it and no password, use it
instead of the code, remove it; and be offered it in the email field's autofill (WebAuthn
conditional mediation: with automatic presence on, the virtual authenticator answers that
request at once, as if the person had picked the passkey from the list). The site is reached
as http://localhost:<port> (WebAuthn refuses an IP address as the relying party's id)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    expect,
)

from pulserx.accounts.models import Passkey, Patient, User
from tests.browser.conftest import (
    HOME_ZONE,
    PASSWORD,
    Mailbox,
    WebServer,
    axe_violations,
    screenshot,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Browser, site_server: tuple[WebServer, Mailbox]) -> Iterator[BrowserContext]:
    server, _ = site_server
    context = browser.new_context(base_url=server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def page_of(context: BrowserContext, errors: list[str]) -> Page:
    """A page whose script errors and console errors (a CSP refusal among them) are kept."""
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({where})")

    page.on("console", on_console)
    return page


def code_now(secret_text: str) -> str:
    """What an authenticator app shows now for the secret the page wrote out."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def wait_for_today(page: Page) -> None:
    """Until the page is Today (where a signed-in patient lands)."""
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def sign_in_with_password(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/accounts/login/")


def turn_on_two_step(page: Page) -> tuple[list[str], str]:
    """Settings → Turn on two-step sign-in, typing the code for the secret shown as text;
    the recovery codes shown and the secret."""
    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Turn on two-step sign-in").click()
    secret = page.locator("code.two-step-secret").inner_text()
    page.get_by_label("Code from the app").fill(code_now(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    page.get_by_role("link", name="I have kept them").click()
    return codes, secret


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform passkey device in Chromium: it keeps discoverable credentials and verifies
    its user (as a fingerprint would) without asking."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added: dict[str, Any] = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return cdp, added["authenticatorId"]


def picks_passkeys(cdp: CDPSession, authenticator: str, picks: bool) -> None:
    """Whether the device answers by itself (automatic presence). Off, the sign-in page's
    autofill request waits, as for a person who does not pick the passkey from the email
    field's list but types a password or presses a button; a request started while it is on is
    answered (the button's, or the autofill one of a page loaded then)."""
    cdp.send("WebAuthn.setAutomaticPresenceSimulation",
             {"authenticatorId": authenticator, "enabled": picks})


def add_passkey(page: Page, name: str) -> None:
    """Settings → Add a passkey, with the password; the device makes it."""
    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Add a passkey").click()
    page.get_by_label("Name of the passkey").fill(name)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Create the passkey")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create the passkey").click()
    expect(page.get_by_text(f"Passkey “{name}” added.")).to_be_visible()


def test_sign_up_confirm_turn_on_two_step_and_the_code_is_asked(
        context: BrowserContext, site_server: tuple[WebServer, Mailbox]) -> None:
    _, mailbox = site_server
    errors: list[str] = []
    page = page_of(context, errors)
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("nina@example.org")
    page.get_by_label("Your name").fill("Nina")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_label("Patient — I take medications").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/signup/sent/")

    page.goto(mailbox.wait_for_link("/accounts/verify/"))
    expect(page.get_by_text("Welcome to PulseRx: your address is confirmed.")).to_be_visible()
    codes, secret = turn_on_two_step(page)
    assert len(codes) == 10
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()
    assert axe_violations(page) == []

    # Settings → Make new recovery codes (the password again): the first ten stop working.
    page.get_by_role("link", name="Make new recovery codes").click()
    page.wait_for_url("**/accounts/settings/two-step/recovery-codes/")
    assert axe_violations(page) == []
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Make new codes").click()
    expect(page.get_by_text("Your old recovery codes no longer work.")).to_be_visible()
    renewed = page.locator(".recovery-codes code").all_inner_texts()
    assert len(renewed) == 10 and not set(renewed) & set(codes)
    assert axe_violations(page) == []
    old_codes, codes = codes, renewed
    sign_out(page)

    sign_in_with_password(page, "nina@example.org")
    page.wait_for_url("**/accounts/login/code/")
    assert axe_violations(page) == []
    for wrong in (old_codes[0], "000000" if code_now(secret) != "000000" else "111111"):
        page.get_by_label("Code").fill(wrong)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("That code is not right.")).to_be_visible()

    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_for_today(page)
    expect(page.get_by_text("You used a recovery code; each works once. Codes left: 9."))\
        .to_be_visible()
    sign_out(page)

    sign_in_with_password(page, "nina@example.org")
    page.wait_for_url("**/accounts/login/code/")
    page.get_by_label("Code").fill(codes[0])  # used once already
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    assert page.url.endswith("/accounts/login/code/")
    assert errors == []


def test_a_passkey_made_in_settings_signs_in_stands_in_for_the_code_and_is_removed(
        context: BrowserContext, patient: Patient) -> None:
    errors: list[str] = []
    page = page_of(context, errors)
    cdp, authenticator = virtual_authenticator(page)
    email = patient.user.email
    sign_in_with_password(page, email)
    wait_for_today(page)

    add_passkey(page, "Test laptop")
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in held["credentials"]] == [True]
    assert Passkey.objects.get(user=patient.user).name == "Test laptop"
    assert axe_violations(page) == []

    # Signed out, the passkey alone signs in: no email, no password. (The person leaves the
    # email field's autofill alone and presses the button.)
    picks_passkeys(cdp, authenticator, False)
    sign_out(page)
    screenshot(page, "sign-in-with-a-passkey")
    picks_passkeys(cdp, authenticator, True)
    page.get_by_role("button", name="Sign in with a passkey").click()
    wait_for_today(page)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    page.goto("/accounts/settings/")
    expect(page.locator("#passkeys")).to_contain_text("last used")
    page.locator("#passkeys").screenshot(path=str(screenshot(page, "settings-passkeys")))

    # With two-step sign-in on, the passkey stands in for the code after the password.
    # (The person types the password rather than picking the passkey from the autofill list.)
    turn_on_two_step(page)
    picks_passkeys(cdp, authenticator, False)
    sign_out(page)
    sign_in_with_password(page, email)
    page.wait_for_url("**/accounts/login/code/")
    picks_passkeys(cdp, authenticator, True)
    screenshot(page, "two-step-code-or-a-passkey")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Use a passkey instead").click()
    wait_for_today(page)

    # Removing it needs the password; afterwards the device's copy signs nobody in.
    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Remove the passkey “Test laptop”").click()
    page.wait_for_url("**/remove/")
    assert axe_violations(page) == []
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Passkey “Test laptop” removed")).to_be_visible()
    assert not Passkey.objects.exists()
    # The button, in a browser without passkey autofill: with it, each sign-in page would offer
    # the removed passkey again and, answered at once here, be refused again without end (a
    # person picks it once and sees the refusal).
    page.add_init_script("delete PublicKeyCredential.isConditionalMediationAvailable;")
    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text("That passkey is not known here")).to_be_visible()
    assert page.url.endswith("/accounts/login/")
    assert axe_violations(page) == []
    assert errors == []


def test_without_webauthn_the_passkey_buttons_stay_hidden(
        browser: Browser, site_server: tuple[WebServer, Mailbox], caregiver: User) -> None:
    server, _ = site_server
    context = browser.new_context(base_url=server.url)
    # As in a browser without WebAuthn: the script runs before the page's.
    context.add_init_script("delete window.PublicKeyCredential;")
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
    context.close()


def test_a_device_without_a_passkey_for_the_site_says_so_and_signs_nobody_in(
        context: BrowserContext, patient: Patient) -> None:
    errors: list[str] = []
    page = page_of(context, errors)
    virtual_authenticator(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("status").filter(has_text="No passkey was used.")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_enabled()
    assert page.url.endswith("/accounts/login/")
    assert errors == []


def test_the_email_fields_autofill_offers_the_passkey_and_the_button_still_works(
        context: BrowserContext, patient: Patient) -> None:
    errors: list[str] = []
    page = page_of(context, errors)
    cdp, authenticator = virtual_authenticator(page)
    sign_in_with_password(page, patient.user.email)
    wait_for_today(page)
    add_passkey(page, "Test laptop")

    # Picked from the email field's list as the sign-in page opens: signed in, no button.
    sign_out(page)
    wait_for_today(page)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    assert Passkey.objects.get(user=patient.user).last_used_at is not None

    # Not picked: the page waits with the request pending, and says nothing.
    picks_passkeys(cdp, authenticator, False)
    with page.expect_response("**/accounts/login/passkey/options/"):
        sign_out(page)
    expect(page.get_by_label("Email")).to_have_attribute("autocomplete", "username webauthn")
    page.wait_for_timeout(500)  # room for a wrong answer to arrive
    assert page.url.endswith("/accounts/login/")
    expect(page.get_by_role("status")).to_have_text("")
    assert axe_violations(page) == []

    # The button stops the pending request first (the browser allows one at a time: else its
    # own would be refused) and signs in with its own challenge.
    picks_passkeys(cdp, authenticator, True)
    page.get_by_role("button", name="Sign in with a passkey").click()
    wait_for_today(page)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    assert errors == []


def test_autofill_without_a_passkey_for_the_site_shows_nothing(
        browser: Browser, context: BrowserContext, site_server: tuple[WebServer, Mailbox],
        patient: Patient) -> None:
    errors: list[str] = []
    with_device = page_of(context, errors)
    virtual_authenticator(with_device)  # a passkey device, holding none of the site's
    without_device = page_of(browser.new_context(base_url=site_server[0].url), errors)
    for page in (with_device, without_device):
        with page.expect_response("**/accounts/login/passkey/options/"):
            page.goto("/accounts/login/")
        page.wait_for_timeout(500)  # room for a wrong answer to arrive
        assert page.url.endswith("/accounts/login/")
        expect(page.get_by_role("status")).to_have_text("")
        expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_enabled()
    without_device.context.close()
    assert errors == []
