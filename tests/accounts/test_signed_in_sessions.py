"""Settings → Signed-in sessions: each browser signed in to the account, in plain words, and
"Sign out everywhere else", which ends the others (their pages and their live sockets) and
keeps this one."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient, SignedInSession
from pulserx.accounts.places import place_of
from pulserx.accounts.signed_in import device_name
from pulserx.asgi import application
from pulserx.notifications.consumers import SESSION_ENDED
from tests.support import https_client

from .helpers import PASSWORD

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
                   "Firefox/128.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.5 Safari/605.1.15")


def browser(user_agent: str) -> Client:
    return https_client(headers={"User-Agent": user_agent})


def sign_in(client: Client, **request: Any) -> None:
    response = client.post(reverse("login"), {"username": "alex@example.org",
                                              "password": PASSWORD}, **request)
    assert response.status_code == 302


@pytest.mark.parametrize(("user_agent", "words"), [
    (CHROME_ANDROID, "Chrome on Android"),
    (FIREFOX_WINDOWS, "Firefox on Windows"),
    (SAFARI_IPHONE, "Safari on iOS"),
    (EDGE_WINDOWS, "Edge on Windows"),
    (SAFARI_MAC, "Safari on macOS"),
    ("curl/8.5.0", "An unknown browser"),
    ("", "An unknown browser"),
])
def test_a_user_agent_in_plain_words(user_agent: str, words: str) -> None:
    assert device_name(user_agent) == words


@pytest.mark.django_db
def test_the_list_shows_each_browser_and_marks_this_one(patient: Patient) -> None:
    phone, laptop = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    sign_in(phone)
    sign_in(laptop)

    page = laptop.get(reverse("account_settings")).content.decode()
    assert "Signed-in sessions" in page
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    laptop_entry = page.split("Firefox on Windows", 1)[1].split("</li>", 1)[0]
    phone_entry = page.split("Chrome on Android", 1)[1].split("</li>", 1)[0]
    assert "This browser" in laptop_entry and "This browser" not in phone_entry
    assert SignedInSession.objects.filter(user=patient.user).count() == 2


@pytest.mark.django_db
def test_signing_out_removes_the_row(patient: Patient) -> None:
    phone = browser(CHROME_ANDROID)
    sign_in(phone)
    assert SignedInSession.objects.count() == 1
    phone.post(reverse("logout"))
    assert SignedInSession.objects.count() == 0


@pytest.mark.django_db
def test_the_hourly_purge_forgets_ended_sessions_and_their_addresses(patient: Patient) -> None:
    """Sessions past their expiry go, with the signed-in rows and addresses they were seen
    from; a live session, and an anonymous visitor's that has not expired, stay."""
    from django.contrib.sessions.models import Session

    from pulserx.accounts.deletion import purge_expired

    start = datetime.now(UTC)
    phone, laptop, visitor = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS), https_client()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(phone)
        clock.shift(timedelta(days=20))
        sign_in(laptop)
        visitor.post(reverse("passkey_sign_in_options"))  # a challenge: an anonymous session
        assert Session.objects.count() == 3
        assert purge_expired().sessions == 0

        clock.shift(timedelta(days=11))  # the phone's 30 days are over
        assert purge_expired().sessions == 1
        assert Session.objects.count() == 2
        assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == [
            FIREFOX_WINDOWS]
        assert laptop.get(reverse("account_settings")).status_code == 200
        assert phone.get(reverse("account_settings")).status_code == 302  # signed out

        clock.shift(timedelta(days=30))
        assert purge_expired().sessions == 1
        assert not Session.objects.exists() and not SignedInSession.objects.exists()


@pytest.mark.django_db
def test_last_seen_is_refreshed_at_most_every_five_minutes(patient: Patient) -> None:
    start = datetime.now(UTC)
    phone = browser(CHROME_ANDROID)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(phone)
        row = SignedInSession.objects.get()
        clock.shift(timedelta(minutes=4))
        phone.get(reverse("account_settings"))
        assert SignedInSession.objects.get().last_seen == row.last_seen
        clock.shift(timedelta(minutes=2))
        phone.get(reverse("account_settings"))
        assert SignedInSession.objects.get().last_seen == start + timedelta(minutes=6)


@pytest.mark.django_db
def test_sign_out_everywhere_else_ends_the_others_and_keeps_this_one(patient: Patient) -> None:
    phone, laptop, tablet = (browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS),
                             browser(SAFARI_IPHONE))
    for client in (phone, laptop, tablet):
        sign_in(client)

    response = laptop.post(reverse("sign_out_elsewhere"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_settings") + "#sessions"
    for other in (phone, tablet):
        ended = other.get(reverse("account_settings"))
        assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    page = laptop.get(reverse("account_settings"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Signed out of 2 other sessions." in text
    assert "Chrome on Android" not in text and "Firefox on Windows" in text
    assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == [
        FIREFOX_WINDOWS]


@pytest.mark.django_db(transaction=True)
async def test_sign_out_everywhere_else_closes_the_others_sockets(patient: Patient) -> None:
    leaving, staying = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    await sync_to_async(sign_in)(leaving)
    await sync_to_async(sign_in)(staying)

    async def open_socket(client: Client) -> WebsocketCommunicator:
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[
            (b"origin", b"http://testserver"), (b"cookie", cookie)])
        connected, _ = await socket.connect()
        assert connected
        return socket

    try:
        gone = await open_socket(leaving)
        await sync_to_async(staying.post)(reverse("sign_out_elsewhere"))
        output = await gone.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": SESSION_ENDED}
    finally:
        await sync_to_async(connections.close_all)()


# --- the addresses each session signed in from and was last seen from

def entry_of(page: str, device: str) -> str:
    return page.split(device, 1)[1].split("</li>", 1)[0]


@pytest.mark.django_db
def test_the_list_shows_the_address_each_session_signed_in_from(patient: Patient) -> None:
    phone, laptop = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    sign_in(phone, REMOTE_ADDR="203.0.113.7")
    sign_in(laptop, REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001")

    page = laptop.get(reverse("account_settings"),
                      REMOTE_ADDR="2001:db8::1").content.decode()

    assert "Signed in from <bdi>203.0.113.7</bdi>" in entry_of(page, "Chrome on Android")
    assert "Signed in from <bdi>2001:db8::1</bdi>" in entry_of(page, "Firefox on Windows")
    assert "Last seen from" not in page  # each was last seen where it signed in
    row = SignedInSession.objects.get(user_agent=CHROME_ANDROID)
    assert (row.signed_in_from, row.last_seen_from) == ("203.0.113.7", "203.0.113.7")


@pytest.mark.django_db
def test_behind_a_proxy_the_address_kept_is_the_one_the_proxy_saw(
        patient: Patient, settings: SettingsWrapper) -> None:
    settings.PULSERX_PROXY_HOPS = 1
    phone = browser(CHROME_ANDROID)
    # The client wrote its own entry on the left; the proxy (10.0.0.2) appended what it saw.
    sign_in(phone, REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.7")

    row = SignedInSession.objects.get()
    assert (row.signed_in_from, row.last_seen_from) == ("203.0.113.7", "203.0.113.7")
    page = phone.get(reverse("account_settings"), REMOTE_ADDR="10.0.0.2",
                     HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.7").content.decode()
    assert "203.0.113.7" in page and "192.0.2.66" not in page and "10.0.0.2" not in page


@pytest.mark.django_db
def test_the_last_seen_address_moves_with_last_seen_only(patient: Patient) -> None:
    start = datetime.now(UTC)
    phone, laptop = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(phone, REMOTE_ADDR="203.0.113.7")
        sign_in(laptop, REMOTE_ADDR="192.0.2.10")

        clock.shift(timedelta(minutes=4))  # the phone moves to another network
        phone.get(reverse("account_settings"), REMOTE_ADDR="198.51.100.4")
        row = SignedInSession.objects.get(user_agent=CHROME_ANDROID)
        assert (row.last_seen, row.last_seen_from) == (start, "203.0.113.7")

        clock.shift(timedelta(minutes=2))
        with CaptureQueriesContext(connection) as queries:
            phone.get(reverse("today"), REMOTE_ADDR="198.51.100.4")
        row = SignedInSession.objects.get(user_agent=CHROME_ANDROID)
        assert row.last_seen == start + timedelta(minutes=6)
        assert (row.signed_in_from, row.last_seen_from) == ("203.0.113.7", "198.51.100.4")
        writes = [query["sql"] for query in queries.captured_queries
                  if "accounts_signedinsession" in query["sql"]]
        assert len(writes) == 1 and writes[0].startswith("UPDATE")  # the one bounded UPDATE

        page = laptop.get(reverse("account_settings"),
                          REMOTE_ADDR="192.0.2.10").content.decode()
    phone_entry = entry_of(page, "Chrome on Android")
    assert "Signed in from <bdi>203.0.113.7</bdi>" in phone_entry
    assert "Last seen from <bdi>198.51.100.4</bdi>" in phone_entry
    assert "Last seen from" not in entry_of(page, "Firefox on Windows")


@pytest.mark.django_db
def test_a_session_found_without_a_row_shows_only_where_it_was_last_seen(
        patient: Patient) -> None:
    phone = browser(CHROME_ANDROID)
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        sign_in(phone, REMOTE_ADDR="203.0.113.7")
        SignedInSession.objects.all().delete()  # as for a session from before rows were kept
        clock.shift(timedelta(minutes=6))
        phone.get(reverse("today"), REMOTE_ADDR="198.51.100.4")

    row = SignedInSession.objects.get()
    assert (row.signed_in_from, row.last_seen_from) == (None, "198.51.100.4")
    entry = entry_of(phone.get(reverse("account_settings")).content.decode(),
                     "Chrome on Android")
    assert "Signed in from" not in entry
    assert "Last seen from <bdi>198.51.100.4</bdi>" in entry


@pytest.mark.django_db
def test_the_addresses_are_never_logged(patient: Patient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    start = datetime.now(UTC)
    phone = browser(CHROME_ANDROID)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(phone, REMOTE_ADDR="203.0.113.7")
        clock.shift(timedelta(minutes=6))
        phone.get(reverse("account_settings"), REMOTE_ADDR="198.51.100.4")
    assert SignedInSession.objects.get().last_seen_from == "198.51.100.4"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "203.0.113.7" not in logged and "198.51.100.4" not in logged


# --- the place of an address: only with the operator's GeoIP2 database

@pytest.fixture
def city_database(tmp_path: Path) -> str:
    """A City database in the MaxMind DB format, written by mmdb-writer and read by MaxMind's
    own reader (geoip2, through Django's GeoIP2) as an operator's GeoLite2-City would be."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City",
                        languages=["en", "de", "pt-BR"], description="PulseRx tests")
    writer.insert_network(IPSet(["2.125.160.216/29"]), {
        "city": {"names": {"en": "Boxford", "de": "Boxford"}},
        "country": {"iso_code": "GB", "names": {"en": "United Kingdom",
                                                "de": "Vereinigtes Königreich",
                                                "pt-BR": "Reino Unido"}}})
    writer.insert_network(IPSet(["2a02:ff00::/32"]), {
        "country": {"iso_code": "IT", "names": {"en": "Italy", "de": "Italien"}}})
    path = tmp_path / "GeoLite2-City.mmdb"
    writer.to_db_file(str(path))
    return str(path)


@pytest.mark.django_db
def test_without_a_location_database_the_address_is_shown_alone(
        patient: Patient, settings: SettingsWrapper, tmp_path: Path) -> None:
    phone = browser(CHROME_ANDROID)
    sign_in(phone, REMOTE_ADDR="8.8.8.8")
    for configured in (None, str(tmp_path)):  # not set; set, but no database there
        settings.GEOIP_PATH = configured
        assert place_of("8.8.8.8") is None
        response = phone.get(reverse("account_settings"), REMOTE_ADDR="8.8.8.8")
        assert response.status_code == 200
        assert re.search(r"Signed in from <bdi>8\.8\.8\.8</bdi>\s*</div>",
                         response.content.decode())


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1",
                                     "fd00::1", "not an address", "", None])
def test_a_private_or_unreadable_address_has_no_place(
        settings: SettingsWrapper, city_database: str, address: str | None) -> None:
    settings.GEOIP_PATH = city_database
    assert place_of(address) is None


def test_with_a_location_database_a_public_address_is_placed(
        settings: SettingsWrapper, city_database: str) -> None:
    settings.GEOIP_PATH = city_database
    assert place_of("2.125.160.216") == "Boxford, United Kingdom"
    assert place_of("2a02:ff00::7") == "Italy"  # a country without a city
    assert place_of("8.8.8.8") is None  # not in the database


def test_places_are_named_in_the_reader_s_language_where_the_database_has_it(
        settings: SettingsWrapper, city_database: str) -> None:
    from django.utils import translation

    settings.GEOIP_PATH = city_database
    with translation.override("de"):
        assert place_of("2a02:ff00::7") == "Italien"
        assert place_of("2.125.160.216").endswith("Vereinigtes Königreich")
    with translation.override("pt-br"):
        assert place_of("2.125.160.216").endswith("Reino Unido")
        assert place_of("2a02:ff00::7") == "Italy"  # no Portuguese name: the English one
    with translation.override("it"):  # a language location databases do not name places in
        assert place_of("2.125.160.216") == "Boxford, United Kingdom"


def test_a_folder_holding_the_city_database_is_read_as_django_reads_it(
        settings: SettingsWrapper, city_database: str) -> None:
    settings.GEOIP_PATH = str(Path(city_database).parent)
    assert place_of("2.125.160.216") == "Boxford, United Kingdom"


@pytest.mark.django_db
def test_the_list_names_the_place_of_a_session_s_address(
        patient: Patient, settings: SettingsWrapper, city_database: str) -> None:
    settings.GEOIP_PATH = city_database
    phone = browser(CHROME_ANDROID)
    sign_in(phone, REMOTE_ADDR="2.125.160.217")
    page = phone.get(reverse("account_settings"), REMOTE_ADDR="2.125.160.217").content.decode()
    assert "Boxford, United Kingdom" in page
