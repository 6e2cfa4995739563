"""The dispatcher's typed view of a claimed dose, loaded in one query per batch.

A batch reads its doses with `values_list` (no model instances on the hot path) and turns
each into a `DoseRow`. Patients and medications repeat across a burst's doses, so each is
built once per batch and shared by its doses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from pulserx.accounts.models import reads_twelve_hour
from pulserx.notifications.render import DoseFacts
from pulserx.reminders.amounts import Measure
from pulserx.reminders.clock import Reader, patient_zone
from pulserx.reminders.models import Dose

_DOSE = ("id", "status", "due_at", "snoozed_until", "reminded_at", "alerts_sent", "amount",
         "moved_at")
_PATIENT = ("patient_id", "patient__user_id", "patient__timezone", "patient__current_timezone",
            "patient__travel_policy", "patient__quiet_start", "patient__quiet_end",
            "patient__notify_push", "patient__notify_email", "patient__missed_after_minutes",
            "patient__realert_every_minutes", "patient__realert_limit",
            "patient__user__first_name", "patient__user__email", "patient__user__clock_format",
            "patient__user__language_clock_format", "patient__user__language")
_MEDICATION = ("medication_id", "medication__name", "medication__strength",
               "medication__form", "medication__instructions", "medication__dose_unit",
               "medication__strength_value", "medication__strength_unit")
FIELDS = _DOSE + _PATIENT + _MEDICATION
_P, _M = len(_DOSE), len(_DOSE) + len(_PATIENT)
_UTC = ZoneInfo("UTC")


@dataclass(slots=True)
class PatientRow:
    """The patient settings the dispatcher needs; `zone` is their reminder clock (set once
    per batch by `claimed_rows`, with `patient_zone` like everywhere else)."""

    id: int
    user_id: int
    timezone: str
    current_timezone: str
    travel_policy: str
    quiet_start: time | None
    quiet_end: time | None
    notify_push: bool
    notify_email: bool
    missed_after: timedelta
    realert_every: timedelta
    realert_limit: int
    label: str  # how caregivers' alerts name the patient
    twelve_hour: bool = False  # the patient's clock format, as they read their reminders
    zone: ZoneInfo = _UTC
    language: str = "en"  # the language the patient reads their reminders in

    @property
    def reader(self) -> Reader:
        """The patient reading their own reminders."""
        return Reader(self.zone, self.twelve_hour, self.language)


@dataclass(frozen=True, slots=True)
class MedicationRow:
    id: int
    name: str
    strength: str
    form: str
    instructions: str
    measure: Measure


@dataclass(frozen=True, slots=True)
class DoseRow:
    """A claimed dose: what `decide` reads (it is a `DoseView`), and what the fan-out
    needs to write and word its notifications."""

    id: int
    status: str
    due_at: datetime
    snoozed_until: datetime | None
    reminded_at: datetime | None
    alerts_sent: int
    amount: Decimal
    patient: PatientRow
    medication: MedicationRow | None  # None: a test reminder
    missed_after: timedelta  # the patient's settings, copied for `decide`
    realert_every: timedelta
    realert_limit: int
    moved_at: datetime | None = None

    @property
    def is_test(self) -> bool:
        return self.medication is None

    def facts(self) -> DoseFacts:
        medication = self.medication
        return DoseFacts(
            medication=medication.name if medication else None,
            strength=medication.strength if medication else "",
            measure=medication.measure if medication else Measure(""),
            instructions=medication.instructions if medication else "",
            amount=self.amount, due_at=self.due_at, zone=self.patient.zone,
            moved=self.moved_at is not None,
        )


class _Patients:
    """The batch's patients, each built once; clocks and durations are shared between
    patients with the same settings (a burst has many patients and few zones)."""

    def __init__(self) -> None:
        self.rows: dict[int, PatientRow] = {}
        self.zones: dict[tuple[str, str, str], ZoneInfo] = {}
        self.minutes: dict[int, timedelta] = {}

    def get(self, values: tuple) -> PatientRow:  # type: ignore[type-arg]
        row = self.rows.get(values[0])
        if row is None:
            row = self.rows[values[0]] = self.build(values)
        return row

    def duration(self, minutes: int) -> timedelta:
        found = self.minutes.get(minutes)
        if found is None:
            found = self.minutes[minutes] = timedelta(minutes=minutes)
        return found

    def build(self, values: tuple) -> PatientRow:  # type: ignore[type-arg]
        (pk, user_id, home, current, policy, quiet_start, quiet_end, push, email, missed_after,
         realert_every, realert_limit, first_name, address, chosen_clock, language_clock,
         language) = values
        row = PatientRow(pk, user_id, home, current or "", policy, quiet_start, quiet_end, push,
                         email, self.duration(missed_after), self.duration(realert_every),
                         realert_limit, first_name or address,
                         reads_twelve_hour(chosen_clock, language_clock),
                         language=language or "en")
        clock = (home, row.current_timezone, policy)
        zone = self.zones.get(clock)
        if zone is None:
            zone = self.zones[clock] = patient_zone(row)
        row.zone = zone
        return row


def _medication(values: tuple) -> MedicationRow | None:  # type: ignore[type-arg]
    pk, name, strength, form, instructions, unit, strength_value, strength_unit = values
    if pk is None:
        return None
    return MedicationRow(pk, name, strength or "", form or "", instructions or "",
                         Measure(form or "", unit or "", strength_value, strength_unit or ""))


def claimed_rows(token: str) -> list[DoseRow]:
    """The doses claimed under `token`, locked for this transaction, as typed rows."""
    return typed_rows(Dose.objects.select_for_update(of=("self",)).filter(claim_token=token))


def due_rows(now: datetime, limit: int) -> list[DoseRow]:
    """Claim by row lock (PostgreSQL): up to `limit` doses whose next action is due, locked
    for this transaction and skipped by every other. Nothing is written to claim them: if
    the transaction ends without committing (the worker dies), the locks go with it and
    the doses are due again for the next claimer.

    The inner select locks along the `next_action_at` index and stops at `limit`; the outer
    one reads those rows with their patient and medication. Locking the joined rows directly
    made PostgreSQL join and sort every due dose for each batch: a cost that grows with the
    backlog (after an outage, at a large morning peak), paid once per batch."""
    locked = (Dose.objects.select_for_update(skip_locked=True)
              .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now),
                      next_action_at__lte=now)
              .order_by("next_action_at").values("id")[:limit])
    # Locked again (at no wait: they are this transaction's) so that the joined read sees
    # each dose's newest committed version, not the statement's snapshot.
    return typed_rows(Dose.objects.select_for_update(of=("self",)).filter(id__in=locked)
                      .order_by("next_action_at", "id"))


def typed_rows(doses: QuerySet[Dose]) -> list[DoseRow]:
    patients = _Patients()
    medications: dict[int | None, MedicationRow | None] = {None: None}
    rows = []
    for values in doses.values_list(*FIELDS):
        patient = patients.get(values[_P:_M])
        medication_id = values[_M]
        if medication_id not in medications:
            medications[medication_id] = _medication(values[_M:])
        pk, status, due_at, snoozed_until, reminded_at, alerts_sent, amount, moved_at = \
            values[:_P]
        rows.append(DoseRow(pk, status, due_at, snoozed_until, reminded_at, alerts_sent,
                            amount, patient, medications[medication_id], patient.missed_after,
                            patient.realert_every, patient.realert_limit, moved_at))
    return rows
