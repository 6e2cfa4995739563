"""Never a double dose: many carers recording the same dose at the same moment leave exactly
one record, and every other one is told who gave it and when. Real threads, each with its
own database connection (run on PostgreSQL to see the row locks at work)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from pulserx.accounts.models import CareRole, Patient, User
from pulserx.notifications.email_links import email_action_token
from pulserx.reminders.as_needed import LimitExceeded, record_as_needed
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.schedule import Recurrence
from tests.care.conftest import carer, token_for
from tests.support import https_client

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1"
RACERS = 20
T = TypeVar("T")


def race(work: list[Callable[[], T]]) -> list[T]:
    """Run every callable at once (released together by a barrier), each in its own thread
    with its own database connection; their results in order."""
    barrier = threading.Barrier(len(work))
    results: list[T | None] = [None] * len(work)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work[n]()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results  # type: ignore[return-value]


def team(patient: Patient, size: int) -> list[User]:
    return [carer(patient, f"Carer{n}", CareRole.GIVES) for n in range(size)]


def test_twenty_carers_taking_one_dose_at_once_through_the_api_make_one_record(
        patient: Patient, due_dose: Dose, metformin: Medication):
    clients: list[Client] = [token_for(user) for user in team(patient, RACERS)]
    answers = race([lambda c=c: c.post(f"{API}/doses/{due_dose.pk}/take") for c in clients])

    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] + [409] * (RACERS - 1)
    winner = next(a for a in answers if a.status_code == 200).json()["recorded_by"]
    details = {a.json()["detail"] for a in answers if a.status_code == 409}
    assert len(details) == 1 and details.pop().startswith(f"Already given by {winner} at ")
    due_dose.refresh_from_db()
    assert due_dose.status == DoseStatus.TAKEN and due_dose.acted_by.first_name == winner
    metformin.refresh_from_db()
    assert metformin.stock == Decimal(9)  # taken from the stock once
    assert metformin.stock_events.filter(kind="taken").count() == 1


def test_the_same_email_link_pressed_many_times_at_once_records_once(
        patient: Patient, due_dose: Dose, metformin: Medication):
    token = email_action_token(due_dose.pk, "take", patient.user_id)
    answers = race([lambda: https_client().post(f"/email/dose/{token}/")
                    for _ in range(RACERS)])

    pages = [answer.content.decode() for answer in answers]
    assert all(answer.status_code == 200 for answer in answers)
    assert sum("Marked as taken" in page for page in pages) == 1
    assert sum("Already taken by " in page for page in pages) == RACERS - 1
    due_dose.refresh_from_db()
    assert due_dose.recorded_via == "email" and due_dose.acted_by == patient.user
    metformin.refresh_from_db()
    assert metformin.stock == Decimal(9)


def test_an_email_link_and_a_carer_at_once_make_one_record(
        patient: Patient, due_dose: Dose):
    ana = carer(patient, "Ana", CareRole.GIVES)
    token = email_action_token(due_dose.pk, "take", patient.user_id)
    api = token_for(ana)
    answers = race([lambda: https_client().post(f"/email/dose/{token}/"),
                    lambda: api.post(f"{API}/doses/{due_dose.pk}/take")])

    due_dose.refresh_from_db()
    assert Dose.objects.filter(status=DoseStatus.TAKEN).count() == 1
    email_page, api_answer = answers[0].content.decode(), answers[1]
    if due_dose.acted_by == ana:
        assert "Already given by Ana at " in email_page and api_answer.status_code == 200
    else:
        assert api_answer.status_code == 409
        assert api_answer.json()["detail"].startswith("Already taken by ")


@pytest.mark.parametrize("limit", [{"max_doses": 3, "limit_period_hours": 24},
                                   {"min_gap_minutes": 240}])
def test_as_needed_limits_hold_across_carers_racing(patient: Patient, limit: dict):
    medication = Medication.objects.create(patient=patient, name="Paracetamol",
                                           stock=Decimal(50))
    schedule = Schedule.objects.create(patient=patient, medication=medication,
                                       recurrence=Recurrence.AS_NEEDED,
                                       start_date=timezone.localdate(), **limit)
    carers = team(patient, RACERS)
    now = timezone.now()

    def record(user: User, minutes: int) -> str:
        fresh = Schedule.objects.select_related("patient", "medication").get(pk=schedule.pk)
        try:
            record_as_needed(fresh, user, now - timedelta(minutes=minutes), now=now)
        except LimitExceeded as refused:
            return refused.explanation
        return "recorded"

    results = race([lambda u=u, n=n: record(u, n) for n, u in enumerate(carers)])

    taken = sorted(Dose.objects.filter(medication=medication, status=DoseStatus.TAKEN)
                   .values_list("due_at", flat=True))
    allowed = limit.get("max_doses", 1)
    assert len(taken) == allowed == results.count("recorded")
    assert all(b - a >= timedelta(minutes=limit.get("min_gap_minutes", 0))
               for a, b in itertools.pairwise(taken))
    refusals = [r for r in results if r != "recorded"]
    givers = set(Dose.objects.filter(medication=medication)
                 .values_list("acted_by__first_name", flat=True))
    assert refusals and all("given by Carer" in r for r in refusals)
    assert any(name in refusals[0] for name in givers)
