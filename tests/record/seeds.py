"""A seeded year of doses whose figures the tests know by construction.

Two medications in Europe/London: Metformin at 08:00 and 20:00, Lisinopril at 00:30 (which
falls on the previous UTC day during summer time). The clock stops on Fri 20 Nov 2026 at
12:00 UTC. The UK leaves summer time on Sun 25 Oct 2026, inside the last 90 days.

* 22 Aug - 24 Oct: a noisy stretch: statuses from a seeded random draw, with a missed dose
  every fifth day so no run there is long.
* 25 Oct - 31 Oct: everything taken on time (the DST day among them).
* 1 - 7 Nov: both medications paused, so no doses at all.
* 8 - 19 Nov: everything taken, except Metformin missed on the evening of 12 Nov.
* 20 Nov (today): Lisinopril taken, Metformin 08:00 still due (open), 20:00 not yet due.
* A test reminder every day at 10:00, missed: it must never count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
FIRST = date(2026, 8, 22)
LATE_BY = timedelta(minutes=95)
ON_TIME_BY = timedelta(minutes=20)


@dataclass(frozen=True)
class Seed:
    day: date            # the local day, by construction
    medication: str
    wall: time
    status: str
    late: bool = False

    @property
    def due_at(self) -> datetime:
        return datetime.combine(self.day, self.wall, tzinfo=ZONE).astimezone(UTC)


PLAN = {"Metformin": (time(8, 0), time(20, 0)), "Lisinopril": (time(0, 30),)}


def seeds() -> list[Seed]:
    draw = random.Random(11)
    result: list[Seed] = []
    day = FIRST
    while day <= TODAY:
        for name, walls in PLAN.items():
            for wall in walls:
                seed = seed_for(day, name, wall, draw)
                if seed is not None:
                    result.append(seed)
        day += timedelta(days=1)
    return result


def seed_for(day: date, name: str, wall: time, draw: random.Random) -> Seed | None:
    if date(2026, 11, 1) <= day <= date(2026, 11, 7):
        return None  # paused
    if day == TODAY:
        if wall == time(20, 0):
            return None  # not due yet
        return Seed(day, name, wall, "notified" if wall == time(8, 0) else "taken")
    if day >= date(2026, 10, 25):
        missed = day == date(2026, 11, 12) and wall == time(20, 0)
        return Seed(day, name, wall, "missed" if missed else "taken")
    if (day - FIRST).days % 5 == 0 and wall == time(8, 0):
        return Seed(day, name, wall, "missed")
    status = draw.choice(["taken", "taken", "taken", "taken", "skipped", "missed"])
    return Seed(day, name, wall, status, late=status == "taken" and draw.random() < 0.3)


def plant(patient: Patient, plan: list[Seed]) -> dict[str, Medication]:
    medications = {name: Medication.objects.create(patient=patient, name=name)
                   for name in PLAN}
    doses = [Dose(patient=patient, medication=medications[s.medication], due_at=s.due_at,
                  status=s.status,
                  acted_at=(s.due_at + (LATE_BY if s.late else ON_TIME_BY))
                  if s.status in ("taken", "skipped") else None)
             for s in plan]
    day = FIRST
    while day <= TODAY:  # a test reminder a day, missed: never counted
        due = datetime.combine(day, time(10, 0), tzinfo=ZONE).astimezone(UTC)
        doses.append(Dose(patient=patient, due_at=due, status=DoseStatus.MISSED))
        day += timedelta(days=1)
    Dose.objects.bulk_create(doses)
    return medications
