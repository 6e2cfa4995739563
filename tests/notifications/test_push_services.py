"""Subscriptions may only point at browsers' push services, never at internal addresses."""

from __future__ import annotations

import json

import pytest

from pulserx.notifications.models import PushSubscription
from pulserx.notifications.push_services import is_push_service


@pytest.mark.parametrize("endpoint, allowed", [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
    ("https://web.push.apple.com/QO2", True),
    ("http://fcm.googleapis.com/fcm/send/abc", False),          # not https
    ("https://169.254.169.254/latest/meta-data/", False),        # cloud metadata
    ("https://localhost:6379/", False),
    ("https://evilgoogleapis.com/x", False),                     # suffix, not subdomain
    ("https://fcm.googleapis.com.evil.org/x", False),
])
def test_only_browser_push_services_are_accepted(endpoint, allowed, settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com", ".push.services.mozilla.com",
                                           ".push.apple.com"]
    assert is_push_service(endpoint) is allowed


@pytest.mark.django_db
def test_a_subscription_to_an_internal_address_is_refused(client, patient, settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com"]
    client.force_login(patient.user)
    body = {"endpoint": "https://10.0.0.5/admin",
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}
    response = client.post("/push/subscriptions", json.dumps(body),
                           content_type="application/json", secure=True)
    assert response.status_code == 400
    assert "does not send to this push service" in response.content.decode()
    assert not PushSubscription.objects.exists()
