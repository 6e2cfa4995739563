"""Requests in these tests arrive over HTTPS through a proxy, as in production (where plain
HTTP is redirected)."""

from __future__ import annotations

import pytest
from django.test import Client


def https_client(**kwargs: object) -> Client:
    return Client(headers={"X-Forwarded-Proto": "https", "Host": "testserver"},
                  **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client() -> Client:
    return https_client()


@pytest.fixture(autouse=True)
def plain_static_files(settings) -> None:  # type: ignore[no-untyped-def]
    """Pages link their CSS through {% static %}; with DEBUG off that needs a collectstatic
    manifest, which is a deploy step, not something a page test should depend on."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
