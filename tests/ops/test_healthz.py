"""/healthz: 200 while the database, Redis and the dispatcher are alive, 503 otherwise, and
nothing in it but counts, ages and ids."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from pulserx.dispatch.worker import HEARTBEAT_KEY
from pulserx.live import redis_client
from pulserx.ops.health import read_heartbeat
from pulserx.reminders.models import Dose, DoseStatus, Medication

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
KNOWN_WORDS = {"database unreachable", "redis unreachable", "no dispatcher heartbeat",
               "dispatcher heartbeat is stale", "worker memory is over its budget",
               "due doses are waiting to be delivered"}


OPERATOR_TOKEN = "operator-health-token"


@pytest.fixture
def client(settings) -> Client:
    """Plain HTTP, as a platform's health checker sends it, with the operator's token."""
    settings.PULSERX_HEALTH_TOKEN = OPERATOR_TOKEN
    return Client(headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "Bearer "}])
def test_the_public_sees_only_whether_it_is_healthy(client: Client, headers) -> None:
    response = Client(headers=headers).get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"healthy": False}


@pytest.mark.django_db
def test_without_a_configured_token_nobody_gets_the_details(settings) -> None:
    settings.PULSERX_HEALTH_TOKEN = ""
    response = Client(headers={"Authorization": "Bearer "}).get("/healthz")
    assert response.json() == {"healthy": False}


@pytest.fixture(autouse=True)
def no_heartbeat() -> Iterator[None]:
    redis_client().delete(HEARTBEAT_KEY)
    yield
    redis_client().delete(HEARTBEAT_KEY)


def beat(at: float, **fields: Any) -> None:
    heartbeat = {"at": at, "took": 0.012, "reminded": 3, "rss_mb": 61.4, "pid": 4242, **fields}
    redis_client().set(HEARTBEAT_KEY, json.dumps(heartbeat))


def string_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from string_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from string_values(item)


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_is_200_over_plain_http_with_a_fresh_heartbeat(client: Client) -> None:
    beat(time.time())

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    report = response.json()
    assert report["healthy"] is True and report["problems"] == []
    assert report["database"]["ok"] and report["redis"]["ok"]
    assert report["dispatcher"]["alive"] is True
    assert report["dispatcher"]["pid"] == 4242
    assert report["dispatcher"]["reminded_last_batch"] == 3
    assert report["dispatcher"]["last_tick_took_ms"] == 12.0
    assert report["memory"] == {"rss_mb": 61.4, "budget_mb": 200, "limit_mb": 512}
    assert isinstance(report["queue_depth"], int)
    assert response.headers["Cache-Control"].startswith("max-age=0")
    assert client.get("/").status_code == 301, "other pages do redirect to HTTPS"


@pytest.mark.django_db
def test_healthz_is_503_without_a_heartbeat(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["healthy"] is False
    assert report["problems"] == ["no dispatcher heartbeat"]
    assert report["dispatcher"]["last_tick_age_s"] is None
    assert report["memory"]["rss_mb"] is None


@pytest.mark.django_db
def test_healthz_is_503_when_the_last_tick_is_older_than_30_seconds(client: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        beat(time.time())
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert client.get("/healthz").status_code == 200
    with time_machine.travel(NOW + timedelta(seconds=31), tick=False):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["problems"] == ["dispatcher heartbeat is stale"]
    assert response.json()["dispatcher"]["last_tick_age_s"] == 31.0


@pytest.mark.django_db
@override_settings(PULSERX_HEALTH_MAX_TICK_AGE=timedelta(seconds=5))
def test_the_tick_age_limit_is_a_setting(client: Client) -> None:
    beat(time.time() - 6)

    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
@override_settings(REDIS_URL=CLOSED_PORT_REDIS, CELERY_BROKER_URL=CLOSED_PORT_REDIS)
def test_healthz_reports_redis_down_instead_of_failing(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["redis"] == {"ok": False, "latency_ms": None}
    assert report["database"]["ok"] is True
    assert report["queue_depth"] is None
    assert report["problems"] == ["redis unreachable", "no dispatcher heartbeat"]


@pytest.mark.django_db
def test_a_garbled_heartbeat_counts_as_none(client: Client) -> None:
    redis_client().set(HEARTBEAT_KEY, b"{not json")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["problems"] == ["no dispatcher heartbeat"]
    assert read_heartbeat(b'{"at": "soon"}', time.time())["alive"] is False


@pytest.mark.django_db
def test_healthz_reports_the_oldest_due_dose_without_saying_what_it_is(
    client: Client, patient: Any
) -> None:
    medication = Medication.objects.create(patient=patient, name="Clozaril Confidential",
                                           strength="25 mg", instructions="after breakfast")
    for minutes_ago in (5, 1):
        due = NOW - timedelta(minutes=minutes_ago)
        Dose.objects.create(patient=patient, medication=medication, due_at=due,
                            next_action_at=due, status=DoseStatus.SCHEDULED)
    Dose.objects.create(patient=patient, medication=medication, due_at=NOW - timedelta(hours=3),
                        next_action_at=None, status=DoseStatus.TAKEN)

    with time_machine.travel(NOW, tick=False):
        beat(time.time())
        response = client.get("/healthz")

    assert response.status_code == 200  # a backlog is a warning, not an outage
    report = response.json()
    assert report["oldest_due_dose_age_s"] == 300.0
    assert report["warnings"] == ["due doses are waiting to be delivered"]
    body = response.content.decode()
    for private in ("Clozaril", "25 mg", "breakfast", patient.user.email, "alex"):
        assert private not in body
    zones = report.pop("tz_database")
    assert set(string_values(report)) <= KNOWN_WORDS, "values: numbers, flags, fixed phrases"
    assert set(zones) == {"version", "source", "planned_with"}


@pytest.mark.django_db
def test_healthz_answers_get_and_head_only(client: Client) -> None:
    beat(time.time())

    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
