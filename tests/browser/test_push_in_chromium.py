"""sw.js in a real Chromium: a pushed reminder becomes a notification with its buttons, and
the Take button records the dose through /push/action with the session and action token.

The push message is handed to the service worker through the DevTools protocol
(ServiceWorker.deliverPushMessage), which stands in for a push service: headless Chromium
cannot reach one. The payload is the one the Web Push transport builds for the dose.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Worker

from pulserx.accounts.models import Patient
from pulserx.notifications.models import Channel, Notification
from pulserx.notifications.render import stored_message
from pulserx.notifications.shapes import push_payload
from pulserx.reminders.models import Dose, DoseStatus
from tests.browser.conftest import WebServer
from tests.notifications.conftest import due_dose, pending_delivery

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_context(browser: Browser, web_server: WebServer,
                      patient: Patient) -> Iterator[BrowserContext]:
    client = Client()
    client.force_login(patient.user)
    context = browser.new_context(base_url=web_server.url)
    context.grant_permissions(["notifications"], origin=web_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": web_server.url}])
    yield context
    context.close()


def install_service_worker(context: BrowserContext) -> tuple[Worker, str]:
    """Register /sw.js from a page of the site; return the worker and its registration id."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.update(
        {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}))
    cdp.send("ServiceWorker.enable")
    page.goto("/manifest.webmanifest")
    with context.expect_event("serviceworker") as worker_info:
        page.evaluate("""async () => {
            await navigator.serviceWorker.register("/sw.js", {scope: "/"});
            await navigator.serviceWorker.ready;
        }""")
    worker = worker_info.value
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    [registration_id] = registrations.values()
    context.cdp = cdp  # type: ignore[attr-defined]
    return worker, registration_id


def shown_notifications(worker: Worker) -> list[dict[str, Any]]:
    return worker.evaluate("""async () => (await self.registration.getNotifications()).map(
        n => ({title: n.title, body: n.body, tag: n.tag, data: n.data,
               actions: n.actions.map(a => ({action: a.action, title: a.title}))}))""")


def wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_pushed_reminder_shows_buttons_and_take_records_the_dose(
        signed_in_context: BrowserContext, web_server: WebServer, patient: Patient) -> None:
    dose = due_dose(patient)
    delivery = pending_delivery(dose, patient.user, Channel.PUSH)
    payload = push_payload(stored_message(Notification.objects.get(pk=delivery.notification_id)))
    worker, registration_id = install_service_worker(signed_in_context)

    signed_in_context.cdp.send("ServiceWorker.deliverPushMessage", {  # type: ignore[attr-defined]
        "origin": web_server.url, "registrationId": registration_id,
        "data": json.dumps(payload)})
    wait_for(lambda: shown_notifications(worker))

    [shown] = shown_notifications(worker)
    assert shown["title"] == payload["title"] and shown["body"] == payload["body"]
    assert shown["tag"] == f"dose-{dose.pk}"
    # Chromium shows two buttons (Notification.maxActions): Take and Snooze; Skip is in the app.
    assert [a["title"] for a in shown["actions"]] == ["Take", "Snooze 10 min"]
    assert shown["data"]["dose_id"] == dose.pk and shown["data"]["token"]

    # What a click on "Take" runs: the worker's own notificationclick handler.
    worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        const event = new NotificationEvent("notificationclick", {notification, action: "take"});
        try { self.dispatchEvent(event); } catch (e) { /* waitUntil on a synthetic event */ }
    }""")

    wait_for(lambda: Dose.objects.get(pk=dose.pk).status == DoseStatus.TAKEN)
    assert Dose.objects.get(pk=dose.pk).acted_by == patient.user
    assert shown_notifications(worker) == []
