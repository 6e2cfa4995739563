"""A wrong tap can be put right, and an upcoming dose taken early or skipped ahead.

A recording can be corrected for 48 hours, to taken (at a stated time), skipped or not
recorded after all; the dose says what is true now and the correction keeps what it said and
who changed it. A dose taken early or skipped ahead is never reminded, on any channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Delivery, Notification
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseCorrection, DoseStatus, Medication
from tests import factories as make
from tests.support import https_client

DAY = date(2025, 6, 2)
MORNING = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # 08:00 in London


def taken_at_eight(patient: Patient) -> tuple[Medication, Dose]:
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        medication = make.medication(patient, time(8, 0), time(20, 0), start=DAY, stock=10)
    with time_machine.travel(MORNING, tick=False):
        tick()
    dose = Dose.objects.get(local_day=DAY, wall_time=time(8, 0))
    with time_machine.travel(MORNING + timedelta(minutes=2), tick=False):
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)
    return medication, dose


def test_a_take_by_mistake_is_undone_and_the_caregiver_reads_who_corrected_it(
        patient_client: Client, patient: Patient, caregiver: User) -> None:
    medication, dose = taken_at_eight(patient)
    at = MORNING + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        response = patient_client.post(f"/doses/{dose.pk}/correct", {"to": "not_recorded"})
    assert response.status_code == 302
    dose.refresh_from_db()
    medication.refresh_from_db()
    assert (dose.status, dose.acted_at) == (DoseStatus.NOTIFIED, None)
    assert dose.next_action_at is not None and dose.next_action_at > at  # missed if left
    assert medication.stock == Decimal(10)  # what the mistaken take counted out is back
    correction = DoseCorrection.objects.get(dose=dose)
    assert (correction.from_status, correction.to_status, correction.by) == (
        DoseStatus.TAKEN, DoseStatus.NOTIFIED, patient.user)

    caregiver_client = https_client()
    caregiver_client.force_login(caregiver)
    with time_machine.travel(at, tick=False):
        page = caregiver_client.get(f"/care/{patient.pk}/").content.decode()
        refused = caregiver_client.post(f"/doses/{dose.pk}/correct", {"to": "taken"})
    assert "Corrected by alex at 08:05 (was taken at 08:02)." in page
    assert refused.status_code == 404


def test_taken_becomes_skipped_and_back_at_a_stated_time(patient_client: Client,
                                                         patient: Patient) -> None:
    medication, dose = taken_at_eight(patient)
    with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
        patient_client.post(f"/doses/{dose.pk}/correct", {"to": "skipped"})
        dose.refresh_from_db()
        medication.refresh_from_db()
        assert (dose.status, medication.stock) == (DoseStatus.SKIPPED, Decimal(10))
        patient_client.post(f"/doses/{dose.pk}/correct", {"to": "taken", "taken_at": "08:40"})
    dose.refresh_from_db()
    medication.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN
    assert dose.acted_at == datetime(2025, 6, 2, 7, 40, tzinfo=UTC)  # 08:40 BST
    assert medication.stock == Decimal(9)
    assert DoseCorrection.objects.filter(dose=dose).count() == 2


def test_a_recording_older_than_48_hours_stays(patient_client: Client,
                                               patient: Patient) -> None:
    _, dose = taken_at_eight(patient)
    with time_machine.travel(MORNING + timedelta(hours=49), tick=False):
        patient_client.post(f"/doses/{dose.pk}/correct", {"to": "skipped"})
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN
    assert not DoseCorrection.objects.exists()


@pytest.mark.parametrize("action", ["take", "skip"])
def test_an_upcoming_dose_recorded_early_is_never_reminded(patient_client: Client,
                                                           patient: Patient,
                                                           action: str) -> None:
    medication, _ = taken_at_eight(patient)
    evening = datetime(2025, 6, 2, 19, 0, tzinfo=UTC)  # 20:00 BST, not yet written
    noon = datetime(2025, 6, 2, 11, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        today = patient_client.get("/").content.decode()
        assert "Take early" in today and "Skip ahead" in today
        url = f"/schedules/{medication.schedule.pk}/doses/{int(evening.timestamp())}/{action}"
        response = patient_client.post(url, {"next": "/"})
    assert response.status_code == 302
    dose = Dose.objects.get(local_day=DAY, wall_time=time(20, 0))
    expected = DoseStatus.TAKEN if action == "take" else DoseStatus.SKIPPED
    assert (dose.status, dose.due_at, dose.next_action_at) == (expected, evening, None)
    for minutes in range(0, 4 * 60, 10):
        with time_machine.travel(evening - timedelta(hours=1) + timedelta(minutes=minutes),
                                 tick=False):
            tick()
    assert not Notification.objects.filter(dose=dose).exists()
    assert not Delivery.objects.filter(notification__dose=dose).exists()
    assert Dose.objects.filter(local_day=DAY, wall_time=time(20, 0)).count() == 1


def test_a_dose_the_dispatcher_wrote_can_be_skipped_ahead_too(patient_client: Client,
                                                              patient: Patient) -> None:
    medication, _ = taken_at_eight(patient)
    evening = datetime(2025, 6, 2, 19, 0, tzinfo=UTC)
    with time_machine.travel(evening - timedelta(minutes=1), tick=False):
        tick()  # written ahead of its time, not yet due
        dose = Dose.objects.get(due_at=evening)
        assert dose.status == DoseStatus.SCHEDULED
        patient_client.post(f"/schedules/{medication.schedule.pk}/doses/"
                            f"{int(evening.timestamp())}/skip")
    with time_machine.travel(evening + timedelta(minutes=1), tick=False):
        tick()
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SKIPPED
    assert not Notification.objects.filter(dose=dose).exists()


def test_a_time_that_is_not_a_planned_dose_is_refused(patient_client: Client,
                                                      patient: Patient) -> None:
    medication, _ = taken_at_eight(patient)
    with time_machine.travel(datetime(2025, 6, 2, 11, 0, tzinfo=UTC), tick=False):
        odd = int(datetime(2025, 6, 2, 15, 17, tzinfo=UTC).timestamp())
        patient_client.post(f"/schedules/{medication.schedule.pk}/doses/{odd}/take")
    assert Dose.objects.count() == 1


def test_a_dose_of_an_every_8_hours_course_can_be_corrected(patient_client: Client,
                                                            patient: Patient) -> None:
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        medication = make.medication(patient, recurrence="every_hours", every_minutes=480,
                                     anchor_at=MORNING, dose_count=3, times=())
    with time_machine.travel(MORNING, tick=False):
        tick()
        dose = Dose.objects.get(schedule=medication.schedule)
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)
        patient_client.post(f"/doses/{dose.pk}/correct", {"to": "skipped"})
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SKIPPED


def test_an_absurd_time_is_refused_without_a_server_error(patient_client: Client,
                                                          patient: Patient) -> None:
    medication, _ = taken_at_eight(patient)
    response = patient_client.post(
        f"/schedules/{medication.schedule.pk}/doses/{10**20}/take")
    assert response.status_code == 400
