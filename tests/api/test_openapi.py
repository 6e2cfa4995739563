"""The API describes itself: /api/v1/openapi.json and the docs page."""

from __future__ import annotations

import json
import re

from tests.api.conftest import API
from tests.support import https_client

ENDPOINTS = {
    ("/api/v1/me", "get"), ("/api/v1/tokens", "get"), ("/api/v1/tokens", "post"),
    ("/api/v1/tokens/{token_id}", "delete"), ("/api/v1/calendar/rotate", "post"),
    ("/api/v1/medications", "get"), ("/api/v1/medications", "post"),
    ("/api/v1/medications/{medication_id}", "get"), ("/api/v1/medications/{medication_id}", "put"),
    ("/api/v1/medications/{medication_id}", "patch"),
    ("/api/v1/medications/{medication_id}", "delete"),
    ("/api/v1/medications/{medication_id}/pause", "post"),
    ("/api/v1/medications/{medication_id}/resume", "post"),
    ("/api/v1/doses", "get"), ("/api/v1/doses/{dose_id}/take", "post"),
    ("/api/v1/doses/{dose_id}/skip", "post"), ("/api/v1/doses/{dose_id}/snooze", "post"),
    ("/api/v1/test-reminder", "post"), ("/api/v1/notifications", "get"),
    ("/api/v1/notifications/read", "post"), ("/api/v1/adherence", "get"),
    ("/api/v1/medications/{medication_id}/doses", "post"),
    ("/api/v1/fhir/Bundle", "get"), ("/api/v1/fhir/MedicationRequest", "post"),
    ("/api/v1/history", "get"), ("/api/v1/streaks", "get"),
    ("/api/v1/medications/{medication_id}/forecast", "get"),
    ("/api/v1/medications/{medication_id}/refill", "post"),
    ("/api/v1/medications/{medication_id}/stock-events", "get"),
    ("/api/v1/report.pdf", "get"), ("/api/v1/doses.csv", "get"),
    ("/api/v1/channels", "get"), ("/api/v1/channels", "post"),
    ("/api/v1/channels/services", "get"), ("/api/v1/channels/test", "post"),
    ("/api/v1/channels/{channel_id}", "patch"), ("/api/v1/channels/{channel_id}", "delete"),
    ("/api/v1/channels/{channel_id}/test", "post"),
}


def test_the_openapi_document_lists_every_endpoint_and_both_auth_schemes(db):
    response = https_client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    assert listed == ENDPOINTS
    schemes = document["components"]["securitySchemes"]
    assert schemes["PersonalToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["BrowserSession"]["in"] == "cookie"
    assert document["paths"]["/api/v1/tokens"]["post"]["security"] == [{"BrowserSession": []}]
    snooze = document["components"]["schemas"]["SnoozeIn"]["properties"]["minutes"]
    assert snooze["enum"] == [10, 30, 60]


def test_the_docs_page_loads_its_scripts_from_our_own_origin(db, settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    response = https_client().get(f"{API}/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    # Every script and style sheet from this origin (a bare "cdn" search would also find
    # the page's random CSRF token, now and then).
    loaded = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded), \
        loaded


def test_the_openapi_document_names_each_status_code_once(db):
    """A status code given both as a number and as a string would be a duplicate JSON key,
    which the docs page's parser refuses."""
    repeated: list[list[str]] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            repeated.append(keys)
        return dict(items)

    json.loads(https_client().get(f"{API}/openapi.json").content, object_pairs_hook=pairs)
    assert repeated == []


def test_a_partial_update_offers_null_only_for_what_it_can_clear() -> None:
    from pulserx.api.endpoints import api
    from pulserx.api.schemas import NULLABLE

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for model in ("MedicationPatch", "ScheduleFields"):
        for name, field in schemas[model]["properties"].items():
            takes_null = {"type": "null"} in field.get("anyOf", [])
            assert takes_null == (name in NULLABLE or name == "schedule"), (model, name)
