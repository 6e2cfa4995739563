"""A channel's server must be a public address unless the operator allowed it: checked on
the resolved address when the connection is made, and no redirect is followed."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.notifications.channels import addresses
from pulserx.notifications.channels.editing import ChannelError, send_test
from tests.channels.conftest import LoopbackAPI, Request, Respond, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener() -> Iterator[LoopbackAPI]:
    """A webhook receiver on loopback that nobody allowed."""
    api = LoopbackAPI(lambda request: (200, {}))
    stop = serve(api)
    yield api
    stop()


def webhook_test(url: str) -> str:
    with pytest.raises(ChannelError) as refused:
        send_test("webhook", {"url": url})
    return str(refused.value)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "::1", "169.254.169.254", "10.0.0.5", "172.16.4.4",
    "192.168.1.20", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1", "::ffff:10.0.0.5",
    "2002:7f00:1::", "fe80::1", "fc00::1", "224.0.0.1",
])
def test_local_private_and_reserved_addresses_are_not_public(address: str) -> None:
    assert not addresses.address_is_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:85e5",
                                     "::ffff:93.184.215.14"])
def test_public_addresses_are(address: str) -> None:
    assert addresses.address_is_allowed(ipaddress.ip_address(address))


def test_loopback_is_not_connected_to(listener: LoopbackAPI) -> None:
    reason = webhook_test(f"{listener.origin}/hook")
    assert "127.0.0.1 is a local or private address" in reason
    assert "PULSERX_CHANNEL_HOSTS" in reason
    assert listener.received == []


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://10.0.0.5:8080/hook"])
def test_metadata_and_private_addresses_are_refused_before_connecting(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> None:
        raise AssertionError("a socket was connected")
    monkeypatch.setattr(socket.socket, "connect", never)

    reason = webhook_test(url)
    assert "a local or private address PulseRx does not connect to" in reason


def test_an_ipv6_mapped_ipv4_loopback_is_not_connected_to(listener: LoopbackAPI) -> None:
    reason = webhook_test(f"http://[::ffff:127.0.0.1]:{listener.port}/hook")
    assert "local or private address" in reason
    assert listener.received == []


def test_a_host_name_that_resolves_to_loopback_is_not_connected_to(
        listener: LoopbackAPI) -> None:
    reason = webhook_test(f"http://localhost:{listener.port}/hook")
    assert "localhost is at" in reason
    assert listener.received == []


def test_a_public_name_rebound_to_loopback_at_connect_time_is_refused(
        listener: LoopbackAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the name resolves to when the connection is made is what counts."""
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [
        (socket.AF_INET, ("127.0.0.1", listener.port))])

    reason = webhook_test("https://hooks.example.org/pulserx")
    assert "hooks.example.org is at 127.0.0.1" in reason
    assert listener.received == []


def test_a_redirect_to_loopback_is_not_followed(
        listener: LoopbackAPI, api_server: Callable[[Respond], LoopbackAPI],
        settings: SettingsWrapper) -> None:
    target = f"http://127.0.0.1:{listener.port}/internal"

    def redirect(request: Request) -> tuple[int, dict[str, str]]:
        return 302, {"location": target}
    bouncer = api_server(redirect)
    settings.PULSERX_CHANNEL_HOSTS = ["127.0.0.1/32"]  # the bouncer is allowed

    reason = webhook_test(f"{bouncer.origin}/hook")
    assert "redirect (HTTP 302)" in reason and "does not follow" in reason
    assert len(bouncer.received) == 1 and listener.received == []


def test_an_allowed_lan_host_works(listener: LoopbackAPI, settings: SettingsWrapper,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PULSERX_CHANNEL_HOSTS = ["ntfy.home.arpa"]
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [
        (socket.AF_INET, ("127.0.0.1", listener.port))])

    send_test("webhook", {"url": "http://ntfy.home.arpa/hook"})

    assert [r.path for r in listener.received] == ["/hook"]


@pytest.mark.parametrize("url", ["ftp://example.org/", "https://user:pw@example.org/",
                                 "https://example.org/#x", "example.org",
                                 "https://example.org:99999/", "https://exa mple.org/"])
def test_an_address_that_is_not_plain_http_is_refused_as_typed(url: str) -> None:
    with pytest.raises(ChannelError, match="Webhook URL"):
        send_test("webhook", {"url": url})
