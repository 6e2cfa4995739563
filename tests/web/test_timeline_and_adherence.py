"""The Today timeline (doses + planned times, in the patient's clock) and adherence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from pulserx.accounts.models import Patient
from pulserx.reminders.adherence import adherence
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.web.day import dose_state, timeline
from tests import factories as make

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 BST


def test_planned_times_are_shown_but_never_written(patient: Patient):
    with time_machine.travel(NOW, tick=False):
        medication = make.medication(patient, times=("08:00", "12:00", "20:00"))
        before = Dose.objects.count()

        day, entries, _ = timeline(patient, NOW)

    assert day == date(2025, 6, 2)
    # 08:00 had passed when the schedule was made: the day shows what is still to come.
    assert [e.due_at for e in entries] == [datetime(2025, 6, 2, 11, 0, tzinfo=UTC),
                                           datetime(2025, 6, 2, 19, 0, tzinfo=UTC)]
    assert all(e.dose is None and e.medication == medication for e in entries)
    assert Dose.objects.count() == before


def test_a_materialised_dose_is_not_listed_twice(patient: Patient):
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):  # 07:00 BST
        medication = make.medication(patient, times=("08:00", "20:00"))
    dose = make.dose(medication, datetime(2025, 6, 2, 7, 0, tzinfo=UTC))
    schedule = medication.schedule
    schedule.next_due_at = datetime(2025, 6, 2, 19, 0, tzinfo=UTC)
    schedule.save()

    _, entries, _ = timeline(patient, NOW)

    assert [(e.due_at.hour, e.dose) for e in entries] == [(7, dose), (19, None)]


def test_the_day_follows_the_patients_zone(patient: Patient):
    patient.timezone = "Pacific/Auckland"  # 2 June 09:00 UTC is 21:00 on 2 June there
    patient.save()
    medication = make.medication(patient, times=("08:00",))
    early = make.dose(medication, datetime(2025, 6, 1, 20, 0, tzinfo=UTC))  # 08:00 on 2 June NZ
    make.dose(medication, datetime(2025, 6, 1, 11, 0, tzinfo=UTC))  # 1 June NZ: another day

    day, entries, _ = timeline(patient, NOW)

    assert day == date(2025, 6, 2)
    assert [e.dose for e in entries if e.dose] == [early]


def test_dose_states_and_their_buttons(patient: Patient):
    medication = make.medication(patient)
    due = make.dose(medication, NOW - timedelta(minutes=1))
    late = make.dose(medication, NOW - timedelta(minutes=2), late=True)
    upcoming = make.dose(medication, NOW + timedelta(hours=1), status=DoseStatus.SCHEDULED)
    snoozed = make.dose(medication, NOW - timedelta(minutes=3), status=DoseStatus.SCHEDULED,
                       snoozed_until=NOW + timedelta(minutes=10))
    missed = make.dose(medication, NOW - timedelta(hours=2), status=DoseStatus.MISSED)
    taken = make.dose(medication, NOW - timedelta(hours=3), status=DoseStatus.TAKEN)

    states = {name: dose_state(dose, NOW) for name, dose in
              [("due", due), ("late", late), ("upcoming", upcoming), ("snoozed", snoozed),
               ("missed", missed), ("taken", taken)]}

    assert {k: s.badge for k, s in states.items()} == {
        "due": "due", "late": "due", "upcoming": "upcoming", "snoozed": "snoozed",
        "missed": "missed", "taken": "taken"}
    assert states["late"].late and not states["due"].late
    assert [k for k, s in states.items() if s.can_snooze] == ["due", "late"]
    assert [k for k, s in states.items() if s.can_record] == ["due", "late", "snoozed", "missed"]


def test_adherence_counts_taken_over_recorded_doses(patient: Patient):
    medication = make.medication(patient)
    for days_ago, status in [(1, DoseStatus.TAKEN), (2, DoseStatus.TAKEN), (3, DoseStatus.SKIPPED),
                             (6, DoseStatus.MISSED), (10, DoseStatus.TAKEN),
                             (20, DoseStatus.MISSED), (40, DoseStatus.TAKEN)]:
        make.dose(medication, NOW - timedelta(days=days_ago), status=status)
    make.dose(medication, NOW - timedelta(minutes=5))  # still open: not counted
    Dose.objects.create(patient=patient, due_at=NOW - timedelta(days=1),
                        status=DoseStatus.MISSED)  # a test reminder: not a medication

    week, month = adherence(patient, NOW, 7), adherence(patient, NOW, 30)

    assert (week.taken, week.skipped, week.missed, week.percent) == (2, 1, 1, 50)
    assert (month.taken, month.skipped, month.missed, month.percent) == (3, 1, 2, 50)
    assert adherence(patient, NOW - timedelta(days=100), 7).percent is None


def test_today_page_shows_adherence(patient_client, patient: Patient):
    medication = make.medication(patient)
    for days_ago, status in [(1, DoseStatus.TAKEN), (2, DoseStatus.TAKEN),
                             (3, DoseStatus.TAKEN), (4, DoseStatus.MISSED)]:
        make.dose(medication, NOW - timedelta(days=days_ago), status=status)

    with time_machine.travel(NOW, tick=False):
        page = patient_client.get("/").content.decode()

    assert "75%" in page and "3 taken · 0 skipped · 1 missed" in page
