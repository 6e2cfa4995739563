"""Subscriptions may only point at browsers' push services, never at internal addresses."""

from __future__ import annotations

import json

import pytest

from pulserx.notifications.models import PushSubscription
from pulserx.notifications.push_services import (
    NotAPushService,
    checked_endpoint,
    is_push_service,
    post,
)

P256DH = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"


@pytest.mark.parametrize("endpoint, allowed", [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
    ("https://web.push.apple.com/QO2", True),
    ("http://fcm.googleapis.com/fcm/send/abc", False),          # not https
    ("https://169.254.169.254/latest/meta-data/", False),        # cloud metadata
    ("https://localhost:6379/", False),
    ("https://evilgoogleapis.com/x", False),                     # suffix, not subdomain
    ("https://fcm.googleapis.com.evil.org/x", False),
    # One URL read two ways: urlsplit sees fcm.googleapis.com, urllib3 connects to 127.0.0.1.
    ("https://127.0.0.1\\@fcm.googleapis.com/fcm/send/x", False),
    ("https://user@fcm.googleapis.com/fcm/send/x", False),       # userinfo
    ("https://user:pw@fcm.googleapis.com/fcm/send/x", False),
    ("https://fcm.googleapis.com:8443/fcm/send/x", False),       # not 443
    ("https://fcm.googleapis.com:443/fcm/send/x", True),
    ("https://[::1]/x", False),                                  # IP literals
    ("https://2130706433/x", False),
    ("https://fcm.googleapis.com/a b", False),                   # whitespace
    ("https://fcm.googleapis.com\\.evil.org/x", False),
    ("https://fcm.googleapis.com:443@127.0.0.1/x", False),      # userinfo that looks like a host
    ("https://fcm.googleapis.com:99999/x", False),               # not a port
    ("https://fcm.googleapis.com:https/x", False),
    ("https://fcm.googleapis.com./x", False),                    # trailing dot
    ("https://fcm.googleapis.com/x#fragment", False),
    ("https://fcm%2egoogleapis.com/x", False),                   # percent-encoded host
])
def test_only_browser_push_services_are_accepted(endpoint, allowed, settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com", ".push.services.mozilla.com",
                                           ".push.apple.com"]
    assert is_push_service(endpoint) is allowed


def test_an_ip_literal_is_refused_even_when_listed_without_its_port(settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = ["127.0.0.1", ".googleapis.com"]
    assert not is_push_service("https://127.0.0.1/x")
    settings.PULSERX_PUSH_SERVICE_HOSTS = ["127.0.0.1:8443", "[::1]:8443"]  # operator-pinned
    assert is_push_service("https://127.0.0.1:8443/x")
    assert not is_push_service("https://127.0.0.1:8444/x")
    assert checked_endpoint("https://[::1]:8443/x") == "https://[::1]:8443/x"


def test_what_is_sent_is_the_endpoint_rebuilt_from_the_checked_parts(settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com"]
    assert checked_endpoint("https://FCM.googleapis.com:443/fcm/send/x?a=1") == \
        "https://fcm.googleapis.com/fcm/send/x?a=1"


@pytest.mark.parametrize("url", ["https://127.0.0.1:9/x",
                                 "https://127.0.0.1\\@fcm.googleapis.com/fcm/send/x"])
def test_posting_refuses_an_unchecked_host(settings, url):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com"]
    with pytest.raises(NotAPushService):
        post(url, b"", {}, timeout=1)


@pytest.mark.django_db
def test_the_reported_ssrf_payload_is_refused(client, patient, settings):
    settings.PULSERX_PUSH_SERVICE_HOSTS = [".googleapis.com"]
    client.force_login(patient.user)
    body = {"endpoint": "https://127.0.0.1\\@fcm.googleapis.com/fcm/send/x",
            "keys": {"p256dh": P256DH, "auth": "tBHItJI5svbpez7KI4CCXg"}}
    response = client.post("/push/subscriptions", json.dumps(body),
                           content_type="application/json", secure=True)
    assert response.status_code == 400, response.content
    assert "endpoint" in response.json()["fields"]
    assert not PushSubscription.objects.exists()


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
