"""Nothing personal is kept by a browser or a proxy (`Cache-Control: no-store`): Settings,
which shows the calendar's secret address, every signed-in page and API answer, and the pages
whose URL is itself a secret. The pages' scripts may connect to the site's own WebSocket origin
and nowhere else."""

from __future__ import annotations

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from tests.api.conftest import API, token_client


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


@pytest.mark.parametrize("path", ["/accounts/settings/", "/", "/medications/"])
def test_signed_in_pages_are_not_stored(client: Client, patient: Patient, path: str) -> None:
    client.force_login(patient.user)

    response = client.get(path, follow=True)

    assert response.status_code == 200
    assert patient.calendar_token in client.get("/accounts/settings/").content.decode()
    assert_not_stored(response)


def test_api_answers_with_the_calendar_address_are_not_stored(patient: Patient) -> None:
    response = token_client(patient).get(f"{API}/me")

    assert patient.calendar_token in response.json()["calendar_url"]
    assert_not_stored(response)


def test_a_page_reached_by_a_secret_link_is_not_stored(client: Client, db: None) -> None:
    assert_not_stored(client.get("/accounts/verify/not-a-real-token/"))


def test_scripts_may_connect_only_to_the_sites_own_socket_origin(client: Client,
                                                                  patient: Patient) -> None:
    client.force_login(patient.user)

    policy = client.get("/accounts/settings/")["Content-Security-Policy"]

    connect = next(part.strip() for part in policy.split(";")
                   if part.strip().startswith("connect-src"))
    assert connect == "connect-src 'self' wss://testserver"
