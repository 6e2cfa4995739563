"""Settings → Sign out everywhere else, in one browser, ends another browser's session: its
open page's live socket closes, and its next page asks to sign in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from pulserx.accounts.models import Patient, SignedInSession
from tests.browser.conftest import HOME_ZONE, WebServer, axe_violations, sign_in, wait_live

pytestmark = pytest.mark.browser


def browser_signed_in(browser: Browser, server: WebServer, email: str) -> Page:
    context = browser.new_context(base_url=server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, email)
    return page


def test_signing_out_everywhere_else_ends_the_other_session_and_its_socket(
        browser: Browser, web_server: WebServer, patient: Patient) -> None:
    laptop = browser_signed_in(browser, web_server, patient.user.email)
    phone = browser_signed_in(browser, web_server, patient.user.email)
    sockets: list[WebSocket] = []
    phone.on("websocket", lambda socket: sockets.append(socket))
    phone.goto("/")
    wait_live(phone)
    first_socket = sockets[0]
    assert not first_socket.is_closed()
    assert SignedInSession.objects.filter(user=patient.user).count() == 2

    laptop.goto("/accounts/settings/")
    expect(laptop.locator("#sessions li")).to_have_count(2)
    # Both signed in over the loopback and were last seen there: the address shows once each.
    expect(laptop.locator("#sessions li", has_text="Signed in from 127.0.0.1")).to_have_count(2)
    expect(laptop.locator("#sessions li", has_text="Last seen from")).to_have_count(0)
    laptop.get_by_role("button", name="Sign out everywhere else").click()
    expect(laptop.get_by_text("Signed out of 1 other session.")).to_be_visible()
    expect(laptop.locator("#sessions li")).to_have_count(1)
    assert axe_violations(laptop) == []

    # The phone's open page hears it at once: the server closes its socket (the page's own
    # close handler marks it offline), and every reconnect without a session is refused.
    expect(phone.locator("html")).to_have_attribute("data-live", "offline", timeout=10_000)
    phone.wait_for_timeout(2_500)  # past the first reconnect attempts
    expect(phone.locator("html")).not_to_have_attribute("data-live", "connected")
    retries = sockets[1:]
    assert retries and all(socket.is_closed() for socket in retries)
    phone.reload()
    phone.wait_for_url("**/accounts/login/**")

    # The laptop is still signed in, and its own socket still works.
    laptop.goto("/")
    wait_live(laptop)
    assert SignedInSession.objects.filter(user=patient.user).count() == 1
