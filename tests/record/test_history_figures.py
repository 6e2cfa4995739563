"""History's figures over a seeded record, each checked against a count made here."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.reminders.history import history
from tests.record.seeds import LATE_BY, NOW, TODAY, ZONE, Seed, plant, seeds

pytestmark = pytest.mark.django_db


def expected_day(plan: list[Seed], day: date) -> Counter[str]:
    counts: Counter[str] = Counter(s.status for s in plan if s.day == day)
    counts["late"] = sum(1 for s in plan if s.day == day and s.late)
    return counts


def expected_streaks(plan: list[Seed]) -> tuple[int, int]:
    """Walk the days: fully taken extends, anything skipped or missed ends the run."""
    run = longest = 0
    day = TODAY - timedelta(days=364)
    while day <= TODAY:
        statuses = {s.status for s in plan if s.day == day}
        if statuses == {"taken"}:
            run += 1
            longest = max(longest, run)
        elif statuses & {"skipped", "missed"}:
            run = 0
        day += timedelta(days=1)
    return run, longest


def test_heat_map_cells_match_the_seeded_days(patient: Patient) -> None:
    plan = seeds()
    plant(patient, plan)
    record = history(patient, NOW, 90)
    assert len(record.cells) == 90 and record.cells[-1].day == TODAY
    for cell in record.cells:
        want = expected_day(plan, cell.day)
        assert (cell.tally.taken, cell.tally.skipped, cell.tally.missed, cell.tally.pending,
                cell.tally.late) == (want["taken"], want["skipped"], want["missed"],
                                     want["notified"], want["late"]), cell.day
    dst_day = next(c for c in record.cells if c.day == date(2026, 10, 25))
    assert dst_day.tally.taken == 3  # 00:30 BST (the day before in UTC), 08:00 and 20:00 GMT
    assert all(not c.has_doses for c in record.cells if date(2026, 11, 1) <= c.day
               <= date(2026, 11, 7))


def test_streaks_skip_the_paused_week_and_the_open_day(patient: Patient) -> None:
    plan = seeds()
    plant(patient, plan)
    current, longest = expected_streaks(plan)
    record = history(patient, NOW, 90)
    # 13-19 Nov, today still open; 25-31 Oct and 8-11 Nov across the paused week.
    assert (record.streaks.current, record.streaks.longest) == (current, longest) == (7, 11)


def test_per_medication_percentages_over_7_30_90_days(patient: Patient) -> None:
    plan = seeds()
    medications = plant(patient, plan)
    record = history(patient, NOW, 90)
    rows = {row.medication.name: row.adherence.windows for row in record.medications}
    for name in medications:
        for days in (7, 30, 90):
            window = [s for s in plan if s.medication == name
                      and timedelta(0) <= NOW - s.due_at < timedelta(days=days)]
            taken = sum(s.status == "taken" for s in window)
            recorded = sum(s.status in ("taken", "skipped", "missed") for s in window)
            assert rows[name][days].taken == taken
            assert rows[name][days].recorded == recorded
            assert rows[name][days].percent == round(100 * taken / recorded)


def test_on_time_and_late_figures(patient: Patient) -> None:
    plan = seeds()
    plant(patient, plan)
    first = TODAY - timedelta(days=89)
    shown = [s for s in plan if s.day >= first and s.status == "taken"]
    record = history(patient, NOW, 90)
    assert record.punctuality.late == sum(s.late for s in shown) > 0
    assert record.punctuality.on_time == sum(not s.late for s in shown)
    assert timedelta(minutes=60) < LATE_BY  # the window the figures use


CELL = re.compile(r'<a href="\?day=(\d{4}-\d\d-\d\d)[^"]*" aria-label="([^"]+)"')


def page_figures(client: Client, url: str) -> tuple[dict[str, str], list[str]]:
    with time_machine.travel(NOW, tick=False):
        html = client.get(url).content.decode()
    cells = dict(CELL.findall(html))
    figures = re.findall(r'data-figure="[\w-]+">([^<]+)<', html)
    figures += re.findall(r'data-window="\d+">([^<]+)<', html)
    return cells, figures


def test_the_page_shows_the_cells_and_a_caregiver_sees_the_same(
        client: Client, patient: Patient, caregiver: User) -> None:
    plan = seeds()
    plant(patient, plan)
    client.force_login(patient.user)
    cells, figures = page_figures(client, "/history/")
    assert len(cells) == 90
    oct_25 = expected_day(plan, date(2026, 10, 25))
    assert cells["2026-10-25"] == f"Sun 25 Oct: {oct_25['taken']} of 3 taken"
    nov_12 = cells["2026-11-12"]
    assert nov_12 == "Thu 12 Nov: 2 of 3 taken, 1 missed"
    assert cells["2026-11-03"] == "Tue 3 Nov: no doses"
    assert cells["2026-11-20"] == "Fri 20 Nov: 1 of 1 taken, 1 open"
    assert figures[:2] == ["7 days", "11 days"]

    carer = Client(headers={"X-Forwarded-Proto": "https"})
    carer.force_login(caregiver)
    care_cells, care_figures = page_figures(carer, f"/care/{patient.pk}/history/")
    assert (care_cells, care_figures) == (cells, figures)


def test_another_patient_cannot_open_the_history(client: Client, patient: Patient,
                                                 other_patient: Patient) -> None:
    client.force_login(other_patient.user)
    assert client.get(f"/care/{patient.pk}/history/").status_code == 404


def test_local_days_follow_the_patient_clock(patient: Patient) -> None:
    plan = seeds()
    plant(patient, plan)
    record = history(patient, NOW, 365)
    assert record.zone == ZONE and len(record.cells) == 365
