"""Every answer under /api/ is JSON `{"detail": …}`, including the ones Django gives by itself
with DEBUG off: an unknown path, a wrong method, an over-size body, a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from tests.api.conftest import API
from tests.support import https_client


def assert_json_detail(response, status: int) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("path", [f"{API}/nothing-here",
                                  "/api/", "/api/v2/medications"])
def test_unknown_api_paths_answer_json_404s(api: Client, path: str) -> None:
    assert_json_detail(api.get(path), 404)


def test_a_wrong_method_answers_a_json_405_with_allow(api: Client) -> None:
    response = api.put(f"{API}/me", {}, content_type="application/json")

    assert_json_detail(response, 405)
    assert "GET" in response["Allow"]


def test_a_body_over_the_upload_limit_answers_a_json_413(api: Client, settings) -> None:
    body = b'{"resourceType": "MedicationRequest", "note": "' + b"x" * 3_000_000 + b'"}'
    response = api.post(f"{API}/fhir/MedicationRequest", body,
                        content_type="application/fhir+json")

    assert_json_detail(response, 413)


@pytest.mark.urls("tests.api.urls_with_a_failing_view")
def test_a_server_error_answers_json(patient: Patient) -> None:
    client = https_client()
    client.raise_request_exception = False

    response = client.get(f"{API}/failing")

    assert_json_detail(response, 500)


def test_pages_outside_the_api_keep_their_html_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
