"""Links point at the server the person used: `make run` derives SITE_URL from HOST/PORT,
and while SITE_URL is the development default pages use the address the browser used."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import CareLink, Patient
from pulserx.devserver import dev_environment
from pulserx.siteurl import DEFAULT_SITE_URL

pytestmark = pytest.mark.django_db
SERVER = {"Host": "localhost:8103", "X-Forwarded-Proto": "http"}


def test_make_run_derives_site_url_from_host_and_port() -> None:
    assert dev_environment({"PORT": "8103"})["SITE_URL"] == "http://127.0.0.1:8103"
    assert dev_environment({"HOST": "0.0.0.0", "PORT": "9000"})["SITE_URL"] \
        == "http://127.0.0.1:9000"
    chosen = {"PORT": "8103", "SITE_URL": "https://rx.example.org"}
    assert dev_environment(chosen)["SITE_URL"] == "https://rx.example.org"


@pytest.fixture
def local_server(settings: SettingsWrapper) -> Client:
    settings.SITE_URL = DEFAULT_SITE_URL
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SECURE_SSL_REDIRECT = False
    return Client(headers=SERVER)


def test_the_invitation_link_uses_the_address_of_the_page(local_server: Client,
                                                          patient: Patient) -> None:
    local_server.force_login(patient.user)
    local_server.post("/accounts/care/invite/", {"email": "carol@example.org"})
    link = CareLink.objects.get()
    expected = f"http://localhost:8103/accounts/care/accept/{link.token}/"
    assert expected in local_server.get("/accounts/settings/").content.decode()
    assert expected in mail.outbox[-1].body


def test_the_password_reset_link_uses_the_address_of_the_page(local_server: Client,
                                                              patient: Patient) -> None:
    local_server.post("/accounts/password/reset/", {"email": patient.user.email})
    assert re.search(r"http://localhost:8103/accounts/password/reset/\S+/\S+/",
                     mail.outbox[-1].body)


def test_the_calendar_link_uses_the_address_of_the_page(local_server: Client,
                                                        patient: Patient) -> None:
    local_server.force_login(patient.user)
    url = local_server.get("/api/v1/me").json()["calendar_url"]
    assert url.startswith("http://localhost:8103/")


def test_a_configured_site_url_wins(local_server: Client, patient: Patient,
                                    settings: SettingsWrapper) -> None:
    settings.SITE_URL = "https://rx.example.org"
    local_server.force_login(patient.user)
    assert local_server.get("/api/v1/me").json()["calendar_url"].startswith(
        "https://rx.example.org/")


def test_make_run_makes_development_push_keys_once(tmp_path) -> None:
    from pulserx.notifications.transports.webpush import read_vapid

    first = dev_environment({"PULSERX_VAR_DIR": str(tmp_path)})
    again = dev_environment({"PULSERX_VAR_DIR": str(tmp_path)})
    keys = (first["VAPID_PUBLIC_KEY"], first["VAPID_PRIVATE_KEY"])
    assert keys == (again["VAPID_PUBLIC_KEY"], again["VAPID_PRIVATE_KEY"])
    signer, public = read_vapid(keys[1], keys[0], "mailto:dev@localhost")
    assert signer is not None and public == ""
    assert (tmp_path / "vapid-dev.json").stat().st_mode & 0o077 == 0
    given = {"PULSERX_VAR_DIR": str(tmp_path), "VAPID_PUBLIC_KEY": "p", "VAPID_PRIVATE_KEY": "k"}
    assert dev_environment(given)["VAPID_PUBLIC_KEY"] == "p"


def test_the_address_confirmation_link_uses_the_address_of_the_page(
        local_server: Client) -> None:
    local_server.post("/accounts/signup/", {
        "email": "new@example.org", "first_name": "Nina", "password1": "correct horse battery",
        "password2": "correct horse battery", "account_type": "patient",
        "timezone": "Asia/Tokyo"})
    assert re.search(r"http://localhost:8103/accounts/verify/\S+", mail.outbox[-1].body)


def test_the_calendar_address_in_settings_uses_the_address_of_the_page(
        local_server: Client, patient: Patient) -> None:
    local_server.force_login(patient.user)
    page = local_server.get("/accounts/settings/").content.decode()
    assert f"http://localhost:8103/calendar/{patient.calendar_token}.ics" in page
