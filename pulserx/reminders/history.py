"""A patient's record, loaded: the doses of a date range as `DoseRecord`s and the figures
History, the reports and the API show. The arithmetic itself is `adherence` (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext, ngettext

from pulserx.accounts.models import Patient
from pulserx.reminders.adherence import (
    DayCell,
    DoseRecord,
    MedicationAdherence,
    Streaks,
    Tally,
    by_medication,
    day_cells,
    streaks,
    tally,
)
from pulserx.reminders.clock import day_bounds, local_today, patient_zone
from pulserx.reminders.models import Dose, DoseStatus, Medication
from pulserx.reminders.schedule import Recurrence

HISTORY_WINDOWS = (7, 30, 90)  # per-medication adherence on History
HEATMAP_DAYS = (90, 365)
MAX_RANGE_DAYS = 366  # the longest range any page, report or API call may ask for
STREAK_DAYS = 365  # streaks are counted over the last year
MAX_AS_NEEDED_LISTED = 200  # as-needed doses listed one by one; the CSV has every one
_TICK = timedelta(microseconds=1)


class RangeError(ValueError):
    """A date range that is reversed or longer than MAX_RANGE_DAYS."""


def check_range(first: date, last: date) -> None:
    if last < first:
        raise RangeError(gettext("The end date (%(last)s) is before the start date (%(first)s).")
                         % {"last": last, "first": first})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RangeError(ngettext("A range can cover at most %(most)s day.",
                                  "A range can cover at most %(most)s days.", MAX_RANGE_DAYS)
                         % {"most": MAX_RANGE_DAYS})


def late_after() -> timedelta:
    return settings.PULSERX_ON_TIME_WINDOW


def records_between(patient: Patient, after: datetime, until: datetime) -> list[DoseRecord]:
    """The patient's doses due in (after, until], test reminders and as-needed doses aside
    (they are never due, so they count in no adherence figure)."""
    rows = (Dose.objects.filter(patient=patient, medication__isnull=False, due_at__gt=after,
                                due_at__lte=until)
            .exclude(schedule__recurrence=Recurrence.AS_NEEDED)
            .order_by("due_at", "pk")
            .values_list("pk", "medication_id", "due_at", "status", "acted_at"))
    return [DoseRecord(pk, medication_id, due_at, status, acted_at)
            for pk, medication_id, due_at, status, acted_at in rows]


def as_needed_doses(patient: Patient, first: date, last: date,
                    limit: int = MAX_AS_NEEDED_LISTED) -> tuple[list[Dose], int]:
    """The as-needed doses recorded on local days `first`..`last`, oldest first, each one
    its own line (two taken 15 minutes apart are two), with its medication; at most `limit`
    of them (the newest), and how many more there were. Every view of the record (History,
    the report page, its PDF, the CSV) lists these, those beyond a limit marked."""
    zone = patient_zone(patient)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    doses = (Dose.objects.filter(patient=patient, medication__isnull=False,
                                 schedule__recurrence=Recurrence.AS_NEEDED,
                                 status=DoseStatus.TAKEN, due_at__gte=start, due_at__lt=end)
             .select_related("medication"))
    total = doses.count()
    newest = list(doses.order_by("-due_at", "-pk")[:limit])
    return newest[::-1], max(total - limit, 0)


def records_of_days(patient: Patient, first: date, last: date,
                    now: datetime) -> list[DoseRecord]:
    """The doses of local days `first`..`last` due by `now` (the future has no fate yet)."""
    zone = patient_zone(patient)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    return records_between(patient, start - _TICK, min(end - _TICK, now))


@dataclass(frozen=True)
class MedicationRow:
    medication: Medication
    adherence: MedicationAdherence


@dataclass(frozen=True)
class History:
    """Everything the History page shows for one patient at `now`."""

    zone: ZoneInfo
    today: date
    cells: list[DayCell]          # the heat map, oldest first
    streaks: Streaks
    punctuality: Tally            # over the heat map's days
    medications: list[MedicationRow]
    as_needed: list[Dose]         # every as-needed dose of the heat map's days (newest ones)
    as_needed_unlisted: int

    @property
    def first(self) -> date:
        return self.cells[0].day


def history(patient: Patient, now: datetime, days: int = 90) -> History:
    """The heat map of the last `days` local days (today included), the streaks of the last
    year, on-time figures over the heat map's days, and each medication's 7/30/90-day
    adherence."""
    if days not in HEATMAP_DAYS:
        # Translators: %(choices)s is like "91 or 365".
        raise RangeError(gettext("The heat map shows %(choices)s days.") % {
            "choices": gettext(" or ").join(map(str, HEATMAP_DAYS))})
    zone = patient_zone(patient)
    today = local_today(patient, now)
    first = today - timedelta(days=STREAK_DAYS - 1)
    records = records_of_days(patient, first, today, now)
    year = day_cells(records, zone, first, today, late_after())
    cells = year[-days:]
    per_medication = by_medication(records, now, HISTORY_WINDOWS, late_after())
    medications = Medication.objects.filter(patient=patient, pk__in=per_medication)
    shown_start, _ = day_bounds(cells[0].day, zone)
    as_needed, unlisted = as_needed_doses(patient, cells[0].day, today)
    return History(
        zone=zone, today=today, cells=cells, streaks=streaks(year, today),
        punctuality=tally((r for r in records if r.due_at >= shown_start), late_after()),
        medications=[MedicationRow(m, per_medication[m.pk]) for m in medications],
        as_needed=as_needed, as_needed_unlisted=unlisted,
    )


def day_doses(patient: Patient, day: date) -> list[Dose]:
    """The doses of one local day, for the day the patient opens in History."""
    start, end = day_bounds(day, patient_zone(patient))
    return list(Dose.objects.filter(patient=patient, medication__isnull=False,
                                    due_at__gte=start, due_at__lt=end)
                .select_related("medication", "patient__user", "acted_by")
                .order_by("due_at", "pk"))
