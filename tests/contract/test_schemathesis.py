"""The API keeps the promises of its OpenAPI document: schemathesis generates requests from
/api/v1/openapi.json (valid ones and invalid ones) and runs every built-in check on each
answer — status codes and bodies as documented, schema-valid requests accepted, invalid ones
refused with a 4xx, no 5xx. The number of examples per operation is bounded so `make test`
stays quick; SCHEMATHESIS_EXAMPLES raises it for a deeper run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from pytest_django.fixtures import Settings as SettingsWrapper
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pulserx.api.doses import MAX_LIST_DAYS
from pulserx.api.models import ApiToken
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import UserChannel
from pulserx.reminders.history import MAX_RANGE_DAYS
from pulserx.reminders.models import Medication
from tests.channels.services import SERVICE_APIS
from tests.factories import make_patient

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))

# Behind the platform's proxy every request arrives as https (plain http is redirected).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(),
                                        headers={"X-Forwarded-Proto": "https"})


# Rules that relate two fields cannot be written in JSON Schema; the document states them in
# words (descriptions), and these hooks make generated requests follow them. Each hook only
# reorders or drops values that are already well-formed, so an invalid request stays invalid.

def as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    schedule = body.get("schedule") if isinstance(body, dict) else None
    if not isinstance(schedule, dict):
        return body
    start, end = as_date(schedule.get("start_date")), as_date(schedule.get("end_date"))
    if end and schedule.get("start_date") is None:  # start_date "is today when not given"
        schedule["start_date"] = end.isoformat()
    elif start and end and end < start:  # "end_date: not before start_date"
        schedule["start_date"], schedule["end_date"] = end.isoformat(), start.isoformat()
    if schedule.get("recurrence") == "taper":  # "a new taper cannot start on a day whose
        # first-phase times have already passed": two days on, none has on any clock
        first = as_date(schedule.get("start_date"))
        later = date.today() + timedelta(days=2)
        last = as_date(schedule.get("end_date"))
        if first is None or first < later:
            schedule["start_date"] = later.isoformat()
            if last and last < later:
                schedule["end_date"] = None
    window = schedule.get("window_start"), schedule.get("window_end")
    if all(isinstance(end, str) for end in window):  # "window_end: after window_start"
        if window[0] == window[1]:
            del schedule["window_start"], schedule["window_end"]
        else:
            schedule["window_start"], schedule["window_end"] = sorted(window)
    once_a_time(schedule)
    for phase in schedule.get("phases") or []:
        if isinstance(phase, dict):
            once_a_time(phase)
    return body


def once_a_time(holder: dict[str, Any]) -> None:
    """"Each time of day at most once" (a schedule's times, a phase's times)."""
    times = holder.get("times")
    if isinstance(times, list) and len(times) <= 24:
        ats = [t.get("at") if isinstance(t, dict) else object() for t in times]
        kept = [t for n, t in enumerate(times) if ats[n] not in ats[:n]]
        if kept:
            holder["times"] = kept


def ordered_range(query: dict[str, Any]) -> None:
    """"end: not before start, at most 366 days in all" (report.pdf, doses.csv)."""
    first, last = as_date(query.get("start")), as_date(query.get("end"))
    if first and last:
        first, last = min(first, last), max(first, last)
        last = min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
        query["start"], query["end"] = first.isoformat(), last.isoformat()


@schemathesis.hook
def map_query(context: Any, query: Any) -> Any:
    if isinstance(query, dict) and "start" in query and "end" in query:
        ordered_range(query)
    if not isinstance(query, dict) or "to" not in query:
        return query
    last = as_date(query["to"])
    first = as_date(query["from"]) if "from" in query else last
    if first and last:  # "from..to spans at most 92 days"
        first, last = min(first, last), max(first, last)
        last = min(last, first + timedelta(days=MAX_LIST_DAYS - 1))
        query["from"], query["to"] = first.isoformat(), last.isoformat()
    return query


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case, **kwargs: Any) -> None:
    """Each new channel is added for a user without channels: the limit on channels and
    one name per user (answered 409, stated in the document) would otherwise answer every
    example after the first few."""
    operation = (case.operation.method.upper(), case.operation.path)
    if operation == ("POST", "/api/v1/channels"):
        UserChannel.objects.all().delete()
    elif operation == ("PATCH", "/api/v1/channels/{channel_id}") and \
            type(case.path_parameters.get("channel_id")) is int:  # a malformed id stays so
        case.path_parameters["channel_id"] = a_channel_to_change(case.body)
    if operation[1].startswith("/api/v1/channels") and isinstance(case.body, dict) and \
            isinstance(case.body.get("medications"), list):
        case.body["medications"] = callers_medications(case.body["medications"])


def callers_medications(ids: list[Any]) -> list[Any]:
    """"ids of the caller's medications": each well-formed id becomes the caller's one
    medication's (a made-up id is another's, or none, and is refused as such)."""
    user = ApiToken.objects.get(name="schemathesis").user
    own = Medication.objects.filter(patient__user=user).first() or Medication.objects.create(
        patient=user.patient, name="Metformin", strength="500 mg")
    return [own.pk if isinstance(n, (int, float)) and not isinstance(n, bool)
            and n == int(n) and 1 <= n < 2**63 else n for n in ids]  # 8.0 is an integer too


def a_channel_to_change(body: Any) -> int:
    """The caller's one channel, of the service the change's settings name (ntfy when
    they name none), saved with well-formed settings: a change is made to a channel that
    exists, not answered 404 every time."""
    UserChannel.objects.all().delete()
    named = body.get("settings") if isinstance(body, dict) else None
    service = named.get("service") if isinstance(named, dict) else None
    example = SAVED_SETTINGS.get(service) if isinstance(service, str) else None
    service, values = (service, example) if example else ("ntfy", SAVED_SETTINGS["ntfy"])
    user = ApiToken.objects.get(name="schemathesis").user
    return add_channel(user, service, "Saved channel", values).pk


SAVED_SETTINGS = {api.service: {**api.values, **({"server": "https://example.org"}
                                                 if not api.names else {})}
                  for api in SERVICE_APIS}
SAVED_SETTINGS["webhook"] = {"url": "https://example.org/hook"}
SAVED_SETTINGS["mqtt"] = {"broker": "mqtts://example.org"}


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def channel_services_answer(settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
                            ) -> list[str]:
    """*Send a test* reaches no one: the services' own answers are tests/channels' matter
    (run against servers on loopback), not the document's. Which addresses a channel may
    name is the operator's choice (PULSERX_CHANNEL_HOSTS, stated in the document); here
    the operator allows every network, so any address the document admits is taken."""
    from pulserx.notifications.transports import mqtt, services

    sent: list[str] = []
    settings.PULSERX_CHANNEL_HOSTS = ["0.0.0.0/0", "::/0"]
    monkeypatch.setattr(services, "send_text", lambda service, *args: sent.append(service))
    monkeypatch.setattr(mqtt, "send_test", lambda values, user_id, words=None: sent.append("mqtt"))
    return sent


@pytest.fixture
def bearer(db: None, keep_test_connection: None, channel_services_answer: list[str]
           ) -> dict[str, str]:
    patient = make_patient("schema@example.org")
    _, token = ApiToken.issue(patient.user, "schemathesis")
    return {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}


def test_every_built_in_check_is_enabled() -> None:
    """What `--checks all` means on the command line (a response-time limit is a separate
    option, `--max-response-time`, and not one of them)."""
    config = schema.config.checks_config_for(operation=None, phase=None)
    names = set(CHECKS.get_all_names()) - {"max_response_time"}
    assert len(names) > 10
    assert [name for name in names if not config.get_by_name(name=name).enabled] == []


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_the_api_keeps_its_openapi_contract(case: schemathesis.Case,
                                            bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, excluded_checks=excluded_for(case))


# The FHIR import's body is a FHIR resource: the document says which resource types it takes,
# not the ~60 rules by which PulseRx refuses content it cannot represent (answered 422,
# naming the FHIR element, as FHIR servers do). Every other check still runs on it, and
# tests/fhir holds the import to those rules.
FHIR_IMPORT = ("POST", "/api/v1/fhir/MedicationRequest")


def excluded_for(case: schemathesis.Case) -> list[Any]:
    operation = (case.operation.method.upper(), case.operation.path)
    assert operation[1].startswith("/api/v1/"), operation
    return [positive_data_acceptance] if operation == FHIR_IMPORT else []
