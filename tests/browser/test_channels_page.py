"""Settings → Channels in a real Chromium: choose a service, fill its fields, send a test to
an ntfy server on loopback and see it arrive, save (for one medication), pause, rename,
remove; axe-core finds nothing to fix at phone and desktop widths."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import Patient
from pulserx.notifications.models import UserChannel
from pulserx.reminders.models import Medication
from tests.browser.conftest import WebServer, axe_violations, screenshot, sign_in
from tests.channels.conftest import LoopbackAPI, serve
from tests.support import free_port

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


@pytest.fixture
def ntfy() -> Iterator[LoopbackAPI]:
    """An ntfy server on loopback: it takes every publish."""
    api = LoopbackAPI(lambda request: (200, {"id": "m1", "event": "message"}))
    stop = serve(api)
    yield api
    stop()


@pytest.fixture
def site(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    """The web server, its operator allowing channels on loopback (where the test's ntfy
    runs): the server sends *Send a test* itself."""
    monkeypatch.setenv("PULSERX_CHANNEL_HOSTS", "127.0.0.1")
    server = WebServer(free_port())
    server.start()
    yield server
    server.stop()


def published(ntfy: LoopbackAPI) -> list[tuple[str, str]]:
    return [(r.json()["topic"], r.json()["title"]) for r in ntfy.received]


def accessible_at_both_widths(page: Page) -> None:
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert axe_violations(page) == [], (page.url, viewport)
    page.set_viewport_size(PHONE)


def test_add_test_pause_rename_and_remove_a_channel(
        browser: Browser, site: WebServer, ntfy: LoopbackAPI, patient: Patient,
        console_errors: list[str]) -> None:
    Medication.objects.create(patient=patient, name="Warfarin", strength="5 mg",
                              stock=Decimal(30))
    context = browser.new_context(base_url=site.url, viewport=PHONE)
    page = context.new_page()
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    sign_in(page, patient.user.email)
    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Set up channels").click()
    expect(page.get_by_text("No channels yet.")).to_be_visible()
    accessible_at_both_widths(page)

    page.get_by_label("Service").select_option(label="ntfy")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="New ntfy channel")).to_be_visible()
    page.get_by_label("Name").fill("My phone")
    page.get_by_label("Server").fill(f"  {ntfy.origin} ")  # as pasted
    page.get_by_label("Topic").fill("alex-pills")
    page.get_by_label("Refills").uncheck()
    page.get_by_label("Warfarin 5 mg").check()
    accessible_at_both_widths(page)

    ntfy.failures = 1  # the server is having a bad moment: the page says so, in its words
    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("alert")).to_contain_text("The test message was not delivered")
    expect(page.get_by_role("alert")).to_contain_text("HTTP 500")
    accessible_at_both_widths(page)

    page.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("status").filter(has_text="The test message was sent")
           ).to_be_visible()
    assert published(ntfy) == [("alex-pills", "PulseRx test message")] * 2
    assert not UserChannel.objects.exists()  # nothing is saved by a test
    expect(page.get_by_label("Refills")).not_to_be_checked()  # the form kept its choices
    accessible_at_both_widths(page)

    page.get_by_role("button", name="Save").click()
    card = page.get_by_role("region", name="My phone")
    expect(page.get_by_role("status")).to_have_text("My phone is added.")
    expect(card).to_contain_text("Sends: Reminders, Re-alerts, Missed-dose alerts")
    expect(card).to_contain_text(ntfy.origin)
    expect(card).to_contain_text("About: Warfarin 5 mg")
    screenshot(page, "channels-page-phone")
    accessible_at_both_widths(page)

    card.get_by_role("button", name="Send a test").click()
    expect(page.get_by_role("status")).to_have_text(
        "A test message was sent to My phone: check that it arrived.")
    assert published(ntfy)[2:] == [("alex-pills", "PulseRx test message")]

    card.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("status")).to_have_text("My phone is paused.")
    expect(card.get_by_text("Paused", exact=True)).to_be_visible()
    assert UserChannel.objects.get().paused

    card.get_by_role("link", name="Change").click()
    page.get_by_label("Name").fill("Kitchen tablet")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Kitchen tablet is saved.")
    card = page.get_by_role("region", name="Kitchen tablet")
    expect(card.get_by_role("button", name="Resume")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    screenshot(page, "channels-page-desktop")
    accessible_at_both_widths(page)

    card.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Kitchen tablet is removed.")
    expect(page.get_by_text("No channels yet.")).to_be_visible()
    assert not UserChannel.objects.exists()
    assert len(ntfy.received) == 3
    assert console_errors == []
    context.close()
