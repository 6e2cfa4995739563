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

from pulserx.dispatch.decide import DoseView
from pulserx.notifications.render import DoseFacts
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose

_DOSE = ("id", "status", "due_at", "snoozed_until", "reminded_at", "alerts_sent", "amount")
_PATIENT = ("patient_id", "patient__user_id", "patient__timezone", "patient__current_timezone",
            "patient__travel_policy", "patient__quiet_start", "patient__quiet_end",
            "patient__notify_push", "patient__notify_email", "patient__missed_after_minutes",
            "patient__realert_every_minutes", "patient__realert_limit",
            "patient__user__first_name", "patient__user__email")
_MEDICATION = ("medication_id", "medication__name", "medication__strength",
               "medication__form", "medication__instructions")
FIELDS = _DOSE + _PATIENT + _MEDICATION
_P, _M = len(_DOSE), len(_DOSE) + len(_PATIENT)


@dataclass(frozen=True, slots=True)
class PatientRow:
    """The patient settings the dispatcher needs; `zone` is their reminder clock."""

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

    @property
    def zone(self) -> ZoneInfo:
        """The clock the patient's reminders follow (zoneinfo caches the zones)."""
        return patient_zone(self)


@dataclass(frozen=True, slots=True)
class MedicationRow:
    id: int
    name: str
    strength: str
    form: str
    instructions: str


@dataclass(frozen=True, slots=True)
class DoseRow:
    id: int
    status: str
    due_at: datetime
    snoozed_until: datetime | None
    reminded_at: datetime | None
    alerts_sent: int
    amount: Decimal
    patient: PatientRow
    medication: MedicationRow | None  # None: a test reminder

    def view(self) -> DoseView:
        patient = self.patient
        return DoseView(status=self.status, due_at=self.due_at, snoozed_until=self.snoozed_until,
                        reminded_at=self.reminded_at, alerts_sent=self.alerts_sent,
                        missed_after=patient.missed_after, realert_every=patient.realert_every,
                        realert_limit=patient.realert_limit, is_test=self.medication is None)

    def facts(self) -> DoseFacts:
        medication = self.medication
        return DoseFacts(
            medication=medication.name if medication else None,
            strength=medication.strength if medication else "",
            form=medication.form if medication else "",
            instructions=medication.instructions if medication else "",
            amount=self.amount, due_at=self.due_at, zone=self.patient.zone,
        )


def _patient(values: tuple) -> PatientRow:  # type: ignore[type-arg]
    (pk, user_id, home, current, policy, quiet_start, quiet_end, push, email, missed_after,
     realert_every, realert_limit, first_name, address) = values
    return PatientRow(pk, user_id, home, current or "", policy, quiet_start, quiet_end, push,
                      email, timedelta(minutes=missed_after), timedelta(minutes=realert_every),
                      realert_limit, first_name or address)


def _medication(values: tuple) -> MedicationRow | None:  # type: ignore[type-arg]
    pk, name, strength, form, instructions = values
    if pk is None:
        return None
    return MedicationRow(pk, name, strength or "", form or "", instructions or "")


def claimed_rows(token: str) -> list[DoseRow]:
    """The doses claimed under `token`, locked for this transaction, as typed rows."""
    patients: dict[int, PatientRow] = {}
    medications: dict[int | None, MedicationRow | None] = {None: None}
    rows = []
    for values in (Dose.objects.select_for_update(of=("self",)).filter(claim_token=token)
                   .values_list(*FIELDS)):
        patient = patients.get(values[_P])
        if patient is None:
            patient = patients[values[_P]] = _patient(values[_P:_M])
        medication_id = values[_M]
        if medication_id not in medications:
            medications[medication_id] = _medication(values[_M:])
        pk, status, due_at, snoozed_until, reminded_at, alerts_sent, amount = values[:_P]
        rows.append(DoseRow(pk, status, due_at, snoozed_until, reminded_at, alerts_sent,
                            amount, patient, medications[medication_id]))
    return rows
