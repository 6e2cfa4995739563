"""A reminder reaches an open page live, and one missed while the socket was down is
fetched on reconnect and shown once. Real web server, real worker, real Chromium."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, WebSocketRoute, expect

from pulserx.accounts.models import Patient
from pulserx.notifications.models import Notification
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.browser.conftest import sign_in, wait_live

pytestmark = pytest.mark.browser


def medication_for(patient: Patient, stock: int = 10) -> Medication:
    return Medication.objects.create(patient=patient, name="Metformin", strength="500 mg",
                                     stock=Decimal(stock))


def dose_due_in(medication: Medication, seconds: float) -> Dose:
    due_at = timezone.now() + timedelta(seconds=seconds)
    return Dose.objects.create(patient=medication.patient, medication=medication,
                               due_at=due_at, next_action_at=due_at, amount=Decimal(1))


def toast_for(page: Page, dose: Dose):  # type: ignore[no-untyped-def]
    return page.locator(f"#toasts .toast[data-toast-dose='{dose.pk}']")


def test_reminder_appears_without_reload_and_take_records_it(
        page: Page, patient: Patient, start_worker: Callable[..., object],
        console_errors: list[str]):
    start_worker()
    medication = medication_for(patient, stock=10)
    sign_in(page, patient.user.email)
    wait_live(page)

    dose = dose_due_in(medication, 2)

    toast = toast_for(page, dose)
    expect(toast).to_be_visible(timeout=5000)
    expect(toast).to_contain_text("Time for Metformin 500 mg")
    expect(page.locator(f"#dose-{dose.pk}")).to_contain_text("Due")  # the timeline too
    toast.get_by_role("button", name="Take", exact=True).click()
    expect(toast).to_contain_text("Marked as taken.")

    page.reload()
    row = page.locator(f"#dose-{dose.pk}")
    expect(row).to_contain_text("Taken")
    expect(row).to_contain_text("9 left")
    dose.refresh_from_db()
    medication.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and medication.stock == Decimal(9)
    assert console_errors == []


@dataclass
class RoutedSockets:
    """The page's notification sockets, passed through the test: it can drop what the
    server sends (a publish nobody heard), replay it, or cut the connection."""

    pairs: list[tuple[WebSocketRoute, WebSocketRoute]] = field(default_factory=list)
    dropping: bool = False
    dropped: list[str | bytes] = field(default_factory=list)

    def route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if self.dropping:
                self.dropped.append(message)
            else:
                page_side.send(message)

        server_side.on_message(from_server)
        self.pairs.append((page_side, server_side))

    def cut(self) -> None:
        page_side, server_side = self.pairs[-1]
        server_side.close()
        page_side.close()


def wait_until(page: Page, condition: Callable[[], bool], timeout: float = 15) -> None:
    """Poll `condition`, letting Playwright handle the page's events meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_a_reminder_missed_while_disconnected_is_fetched_on_reconnect_and_shown_once(
        page: Page, patient: Patient, start_worker: Callable[..., object],
        console_errors: list[str]):
    start_worker()
    medication = medication_for(patient)
    sockets = RoutedSockets()
    page.route_web_socket("**/ws/notifications/", sockets.route)
    sign_in(page, patient.user.email)
    wait_live(page)

    sockets.dropping = True  # the socket looks open but the reminder's event is lost
    missed = dose_due_in(medication, 1)
    wait_until(page, lambda: Notification.objects.filter(dose=missed).exists()
               and any(b'"notification"' in m if isinstance(m, bytes) else '"notification"' in m
                       for m in sockets.dropped))
    expect(toast_for(page, missed)).to_have_count(0)

    sockets.dropping = False
    sockets.cut()
    expect(toast_for(page, missed)).to_be_visible(timeout=15_000)  # fetched on reconnect
    assert len(sockets.pairs) == 2

    # The lost event turns up late after all, and the socket drops once more: still one toast.
    for message in sockets.dropped:
        sockets.pairs[-1][0].send(message)
    sockets.cut()
    wait_until(page, lambda: len(sockets.pairs) == 3)
    wait_live(page)
    later = dose_due_in(medication, 1)
    expect(toast_for(page, later)).to_be_visible(timeout=15_000)  # live, after the replay

    expect(toast_for(page, missed)).to_have_count(1)
    expect(toast_for(page, later)).to_have_count(1)
    assert console_errors == []
