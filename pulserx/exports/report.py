"""What the report for a date range says: the patient, their medications (schedule and
instructions), adherence per medication, the missed and late doses, and the day-by-day
chart. The page, the PDF and the API all render this one `Report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils.translation import gettext as _

from pulserx.accounts.models import Patient, User
from pulserx.clock_format import page_time
from pulserx.reminders.adherence import DayCell, Tally, day_cells, tally
from pulserx.reminders.clock import day_bounds, local_today, patient_zone
from pulserx.reminders.given import giver_name
from pulserx.reminders.history import (
    as_needed_doses,
    check_range,
    late_after,
    records_of_days,
)
from pulserx.reminders.models import Dose, DoseStatus, Medication
from pulserx.reminders.schedule import Recurrence
from pulserx.web.access import patient_label
from pulserx.web.templatetags.pulserx_web import schedule_summary

DEFAULT_DAYS = 30
MAX_LISTED = 40  # missed and late doses listed by name; the rest are counted


@dataclass(frozen=True)
class MedicationLine:
    medication: Medication
    schedule: str
    tally: Tally
    as_needed: list[Dose] = field(default_factory=list)  # its as-needed doses in the range

    @property
    def is_as_needed(self) -> bool:
        schedule = getattr(self.medication, "schedule", None)
        return schedule is not None and schedule.recurrence == Recurrence.AS_NEEDED

    @property
    def doses_text(self) -> str:
        """The "Doses" column: adherence counts, or what was taken as needed."""
        if not self.is_as_needed:
            t = self.tally
            # Translators: counts of doses in the report's "Doses" column.
            return _("%(taken)s taken, %(skipped)s skipped, %(missed)s missed, %(late)s late") \
                % {"taken": t.taken, "skipped": t.skipped, "missed": t.missed, "late": t.late}
        beyond = sum(1 for dose in self.as_needed if dose.limit_override)
        words = {"count": len(self.as_needed), "beyond": beyond}
        if beyond:
            # Translators: counts of as-needed doses: how many taken, how many of those
            # beyond a dose limit.
            return _("%(count)s taken as needed, %(beyond)s beyond a limit") % words
        return _("%(count)s taken as needed") % words


@dataclass(frozen=True)
class ListedDose:
    due_local: datetime
    medication: str
    what: str  # "missed", "skipped", "late (taken 09:40)"


@dataclass(frozen=True)
class Report:
    patient: Patient
    name: str
    zone: ZoneInfo
    first: date
    last: date
    generated_at: datetime
    overall: Tally
    medications: list[MedicationLine]
    cells: list[DayCell]
    listed: list[ListedDose]
    unlisted: int
    as_needed: list[Dose]  # listed one by one, times, amounts, beyond a limit marked
    as_needed_unlisted: int
    recorders: list[tuple[str, int]] = field(default_factory=list)  # who recorded, how many

    @property
    def recorded_by_text(self) -> str:
        """"Recorded by Maria (41), Ana (12)": who gave the doses of the range."""
        if not self.recorders:
            return ""
        # Translators: %(people)s lists who recorded the doses, each with how many:
        # "Maria (41), Ana (12)".
        return _("Recorded by %(people)s") % {
            "people": ", ".join(f"{name} ({count})" for name, count in self.recorders)}

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def default_range(patient: Patient, now: datetime) -> tuple[date, date]:
    last = local_today(patient, now)
    return last - timedelta(days=DEFAULT_DAYS - 1), last


def build_report(patient: Patient, first: date, last: date, now: datetime) -> Report:
    """The report of local days `first`..`last` (at most MAX_RANGE_DAYS) as of `now`."""
    check_range(first, last)
    zone = patient_zone(patient)
    records = records_of_days(patient, first, last, now)
    by_medication: dict[int, list] = {}
    for record in records:
        by_medication.setdefault(record.medication_id, []).append(record)
    medications = list(patient.medications.select_related("schedule"))
    as_needed, as_needed_unlisted = as_needed_doses(patient, first, last)
    taken_as_needed: dict[int | None, list[Dose]] = {}
    for dose in as_needed:
        taken_as_needed.setdefault(dose.medication_id, []).append(dose)
    lines = [MedicationLine(m, schedule_summary(m), tally(by_medication.get(m.pk, []),
                                                          late_after()),
                            taken_as_needed.get(m.pk, []))
             for m in medications
             if m.pk in by_medication or m.pk in taken_as_needed or not m.paused]
    listed = noteworthy_doses(patient, first, last, now, zone)
    return Report(
        patient=patient, name=patient_label(patient), zone=zone, first=first, last=last,
        generated_at=now, overall=tally(records, late_after()), medications=lines,
        cells=day_cells(records, zone, first, last, late_after()),
        listed=listed[:MAX_LISTED], unlisted=max(len(listed) - MAX_LISTED, 0),
        as_needed=as_needed, as_needed_unlisted=as_needed_unlisted,
        recorders=recorders(patient, first, last, now, zone),
    )


def recorders(patient: Patient, first: date, last: date, now: datetime, zone: ZoneInfo
              ) -> list[tuple[str, int]]:
    """Who recorded the range's doses (the patient, each carer) and how many, most first."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    counts = (Dose.objects.filter(patient=patient, medication__isnull=False, due_at__gte=start,
                                  due_at__lt=end, due_at__lte=now, acted_by__isnull=False)
              .values("acted_by").annotate(n=Count("pk")).order_by("-n", "acted_by"))
    people = User.objects.in_bulk([row["acted_by"] for row in counts])
    return [(giver_name(people[row["acted_by"]]), row["n"]) for row in counts]


def noteworthy_doses(patient: Patient, first: date, last: date, now: datetime,
                     zone: ZoneInfo) -> list[ListedDose]:
    """The missed, skipped and late doses of the range, oldest first."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    doses = (Dose.objects.filter(patient=patient, medication__isnull=False, due_at__gte=start,
                                 due_at__lt=end, due_at__lte=now,
                                 status__in=(DoseStatus.MISSED, DoseStatus.SKIPPED,
                                             DoseStatus.TAKEN))
             .select_related("medication", "acted_by").order_by("due_at", "pk"))
    listed = []
    for dose in doses:
        assert dose.medication is not None
        if dose.status == DoseStatus.TAKEN:
            if dose.acted_at is None or dose.acted_at - dose.due_at <= late_after():
                continue
            what = _late_words(page_time(dose.acted_at, zone), _by(dose, patient))
        else:
            what = _status_words(dose.status, _by(dose, patient))
        listed.append(ListedDose(dose.due_at.astimezone(zone), dose.medication.name, what))
    return listed


def _by(dose: Dose, patient: Patient) -> str:
    """"Ana" when a carer recorded the dose; "" when the patient did."""
    if dose.acted_by is None or dose.acted_by_id == patient.user_id:
        return ""
    return giver_name(dose.acted_by)


def _late_words(time: str, by: str) -> str:
    """"late (taken 09:40)", "late (taken 09:40 by Ana)"."""
    if by:
        # Translators: a dose taken late, in the report's list: %(name)s gave it.
        return _("late (taken %(time)s by %(name)s)") % {"time": time, "name": by}
    # Translators: a dose taken late, in the report's list.
    return _("late (taken %(time)s)") % {"time": time}


def _status_words(status: str, by: str) -> str:
    """"missed", "skipped", "skipped by Ana"."""
    if status == DoseStatus.SKIPPED:
        # Translators: a dose in the report's list of missed, skipped and late doses.
        return _("skipped by %(name)s") % {"name": by} if by else _("skipped")
    return _("missed by %(name)s") % {"name": by} if by else _("missed")
