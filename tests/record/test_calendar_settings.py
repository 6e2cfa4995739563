"""Settings shows the calendar feed's address with a QR code of it, and can reset it."""

from __future__ import annotations

import re
from html import unescape

import pytest
import segno
from django.test import Client

from pulserx.accounts.models import Patient

pytestmark = pytest.mark.django_db


def feed_address(client: Client) -> str:
    html = client.get("/accounts/settings/").content.decode()
    match = re.search(r'id="calendar-url" type="url" value="([^"]+)"', html)
    assert match, "no calendar address on Settings"
    return unescape(match.group(1))


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_settings_shows_the_address_a_qr_code_and_the_api_docs(client: Client,
                                                              patient: Patient) -> None:
    client.force_login(patient.user)
    html = client.get("/accounts/settings/").content.decode()
    address = feed_address(client)
    assert address.endswith(f"/calendar/{patient.calendar_token}.ics")
    assert '<svg role="img" aria-label="QR code of your calendar address"' in html
    assert 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
    assert client.get(path_of(address)).status_code == 200


def test_resetting_the_address_retires_the_old_one(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    old = feed_address(client)
    response = client.post("/calendar/reset")
    assert response.status_code == 302 and response["Location"].endswith("#calendar")
    new = feed_address(client)
    assert new != old
    assert client.get(path_of(old)).status_code == 404
    assert client.get(path_of(new)).status_code == 200


def test_the_qr_code_encodes_the_address(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    html = client.get("/accounts/settings/").content.decode()
    expected = segno.make(feed_address(client), error="m").svg_inline(
        scale=4, border=2, svgclass="qr-code", lineclass="qr-line", omitsize=True)
    path = re.search(r'd="([^"]+)"', expected)
    assert path and path.group(1) in html
