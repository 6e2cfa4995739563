"""Fixtures for single sign-on: a real provider on loopback, and PulseRx told about it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.sso.provider_process import OpenIDProvider

# The Django test client's address (tests.support.https_client).
CALLBACK = "https://testserver/accounts/sso/test/callback/"


@pytest.fixture
def start_provider(tmp_path: Path) -> Iterator[Callable[..., OpenIDProvider]]:
    started: list[OpenIDProvider] = []

    def start(redirect_uris: list[str] | None = None, **fields: object) -> OpenIDProvider:
        provider = OpenIDProvider(config_path=tmp_path / f"provider-{len(started)}.json",
                                  redirect_uris=redirect_uris or [CALLBACK],
                                  **fields)  # type: ignore[arg-type]
        started.append(provider)
        provider.start()
        return provider

    yield start
    for provider in started:
        provider.stop()


@pytest.fixture
def provider(start_provider: Callable[..., OpenIDProvider],
             settings: SettingsWrapper) -> OpenIDProvider:
    """A running provider that PulseRx knows as "test" ("Sign in with Test Provider")."""
    running = start_provider()
    settings.PULSERX_OIDC_PROVIDERS = {"test": running.config()}
    return running
