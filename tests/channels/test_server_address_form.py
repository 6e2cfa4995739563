"""A server address has one form, stated in the API's document and checked by the catalogue:
what the pattern admits is taken (once the operator allows the address), and the forms
that different URL readers disagree on are refused by both."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.notifications.channels import addresses
from pulserx.notifications.channels.catalogue import SERVICES
from pulserx.notifications.models import Service

PATTERNS = [(item.schemes, item.path) for spec in SERVICES.values() for item in spec.fields
            if item.server]


@pytest.fixture
def every_network(settings: SettingsWrapper) -> None:
    settings.PULSERX_CHANNEL_HOSTS = ["0.0.0.0/0", "::/0"]


@pytest.mark.parametrize(("schemes", "path"), sorted(set(PATTERNS)))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # one setting, kept
@given(data=st.data())
def test_every_address_of_the_stated_form_is_taken(
        every_network: None, schemes: tuple[str, str], path: bool, data: st.DataObject
        ) -> None:
    pattern = addresses.server_pattern(schemes, path)
    text = data.draw(st.from_regex(f"^(?:{pattern})\\Z").filter(
        lambda t: len(t) <= addresses.MAX_SERVER_URL))
    parts = addresses.server_url(text, schemes, path)
    assert parts.scheme in schemes and parts.host


@pytest.mark.parametrize("text", [
    "https://ntfy.sh/?", "https://ntfy.sh#", "https://ntfy.sh:0", "https://ntfy.sh:080",
    "https://[::1%25eth0]", "HTTPS://ntfy.sh", "https://ntfy.sh\\@evil", " https://ntfy.sh",
    "https://user@ntfy.sh", "https://ntfy.sh//",
])
def test_forms_url_readers_disagree_on_are_refused(every_network: None, text: str) -> None:
    with pytest.raises(ValueError):
        addresses.server_url(text, path=False)
    assert not re.fullmatch(addresses.server_pattern(path=False), text)


def test_a_local_address_is_refused_unless_the_operator_allows_it(
        settings: SettingsWrapper) -> None:
    with pytest.raises(ValueError, match="local or private address"):
        addresses.server_url("http://10.0.0.5:8080")
    settings.PULSERX_CHANNEL_HOSTS = ["10.0.0.0/8"]
    assert addresses.server_url("http://10.0.0.5:8080").host == "10.0.0.5"


def test_every_server_field_has_one(every_network: None) -> None:
    assert {spec.service for spec in SERVICES.values()
            if any(item.server for item in spec.fields)} == {
        Service.NTFY, Service.GOTIFY, Service.SIGNAL, Service.MATRIX, Service.WEBHOOK,
        Service.MQTT}
