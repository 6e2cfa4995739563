"""A course of N doses is N reminded doses: one added after its first time has passed
starts at the next time of its series, and the page says which dose is first; a tapering
plan whose first day is partly past asks for another start day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.reminders.models import Dose, DoseStatus, Schedule
from tests.kinds.test_kinds_on_the_pages import form_data

ADDED_AT = datetime(2026, 6, 2, 15, 9, tzinfo=UTC)  # 16:09 in London


def add(client: Client, patient: Patient, **fields: Any) -> str:
    client.force_login(patient.user)
    with time_machine.travel(ADDED_AT, tick=False):
        response = client.post("/medications/new", form_data(**fields), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_21_doses_every_8_hours_added_after_two_have_passed_are_21_reminders(
        client: Client, patient: Patient) -> None:
    page = add(client, patient, recurrence="every_hours", every_hours="8", first_at="06:00",
               dose_count="21")
    assert "Amoxicillin added. The first of its 21 doses is today at 22:00." in page
    schedule = Schedule.objects.get()
    assert schedule.anchor_at == datetime(2026, 6, 2, 21, 0, tzinfo=UTC)  # 22:00 BST

    for minutes in range(0, 9 * 24 * 60, 30):
        with time_machine.travel(ADDED_AT + timedelta(minutes=minutes), tick=False):
            tick()
    doses = list(Dose.objects.order_by("due_at"))
    assert len(doses) == 21
    assert all(dose.alerts_sent >= 1 for dose in doses)
    assert doses[0].due_at == schedule.anchor_at
    assert doses[-1].due_at == schedule.anchor_at + 20 * timedelta(hours=8)
    assert {dose.status for dose in doses} == {DoseStatus.MISSED}


def test_the_form_says_how_the_course_is_counted(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    page = client.get("/medications/new").content.decode()
    assert "Counted from the first dose still ahead when you save" in page


def test_a_taper_whose_first_morning_has_passed_asks_for_another_start(
        client: Client, patient: Patient) -> None:
    page = add(client, patient, recurrence="taper",
               phases="3 days: 08:00 x2, 20:00 x2\n3 days: 08:00 x1")
    assert "08:00 has already passed, so the first step would have 1 of its 2 doses" in page
    assert not Schedule.objects.exists()

    page = add(client, patient, recurrence="taper", start_date="2026-06-03",
               phases="3 days: 08:00 x2, 20:00 x2\n3 days: 08:00 x1")
    assert "Amoxicillin added. Its first reminder is tomorrow at 08:00." in page
    for minutes in range(0, 8 * 24 * 60, 60):
        with time_machine.travel(ADDED_AT + timedelta(minutes=minutes), tick=False):
            tick()
    assert Dose.objects.count() == 3 * 2 + 3 * 1
