"""A patient's medications and dose history as one FHIR R4 ``Bundle`` (type collection).

* ``Patient`` — who it is about;
* ``Medication`` + ``MedicationStatement`` per medication, its schedule as ``Dosage``;
* ``MedicationAdministration`` per recorded dose in the chosen window: taken → completed
  at the time it was taken; skipped or missed → not-done with the reason.

Resources refer to each other by ``urn:uuid:`` full URLs derived from database ids, so the
same export gives the same identifiers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from pulserx.accounts.models import Patient
from pulserx.fhir.dosage_out import dose_and_rate, schedule_dosages
from pulserx.reminders.clock import local_today
from pulserx.reminders.models import Dose, DoseStatus, Medication

Json = dict[str, Any]

HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 366
NOT_DONE_REASON = {DoseStatus.SKIPPED: "Skipped by the patient",
                   DoseStatus.MISSED: "Missed: not recorded in time"}


def _urn(kind: str, pk: int) -> str:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)
    return f"urn:uuid:{uuid.uuid5(namespace, f'{kind}/{pk}')}"


def _instant(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def patient_bundle(patient: Patient, now: datetime, days: int = HISTORY_DAYS) -> Json:
    """The Bundle; `days` (1..366) of dose history."""
    days = max(1, min(days, MAX_HISTORY_DAYS))
    subject = {"reference": _urn("patient", patient.pk)}
    entries = [_entry(_urn("patient", patient.pk), {
        "resourceType": "Patient", "id": f"pulserx-{patient.pk}",
        "name": [{"text": patient.user.get_full_name() or patient.user.email}]})]
    medications = list(Medication.objects.filter(patient=patient)
                       .select_related("schedule").order_by("pk"))
    for medication in medications:
        entries += _medication_entries(medication, subject, now)
    doses = (Dose.objects.filter(patient=patient, medication__isnull=False,
                                 status__in=[*NOT_DONE_REASON, DoseStatus.TAKEN],
                                 due_at__gt=now - timedelta(days=days), due_at__lte=now)
             .select_related("medication").order_by("due_at", "pk"))
    entries += [_administration(dose, subject) for dose in doses.iterator()]
    return {"resourceType": "Bundle", "id": f"pulserx-{patient.pk}-{now:%Y%m%d%H%M%S}",
            "type": "collection", "timestamp": _instant(now), "entry": entries}


def _entry(full_url: str, resource: Json) -> Json:
    return {"fullUrl": full_url, "resource": resource}


def medication_resource(medication: Medication) -> Json:
    resource: Json = {"resourceType": "Medication", "id": f"med-{medication.pk}",
                      "code": {"text": medication.name},
                      "form": {"text": medication.get_form_display()}}
    amount, _, unit = medication.strength.partition(" ")
    if amount.replace(".", "", 1).isdigit() and unit.strip():
        resource["ingredient"] = [{
            "itemCodeableConcept": {"text": medication.name},
            "strength": {"numerator": {"value": float(amount) if "." in amount
                                       else int(amount), "unit": unit.strip()},
                         "denominator": {"value": 1}}}]
    return resource


def _medication_entries(medication: Medication, subject: Json, now: datetime) -> list[Json]:
    medication_urn = _urn("medication", medication.pk)
    statement: Json = {
        "resourceType": "MedicationStatement", "id": f"statement-{medication.pk}",
        "status": _statement_status(medication, now), "subject": subject,
        "medicationReference": {"reference": medication_urn}, "dateAsserted": _instant(now),
    }
    schedule = getattr(medication, "schedule", None)
    if schedule is not None:
        statement["effectivePeriod"] = {"start": schedule.start_date.isoformat()}
        dosages = schedule_dosages(schedule, medication.form)
        if medication.instructions and dosages:
            dosages[0]["patientInstruction"] = medication.instructions
        statement["dosage"] = dosages
    return [_entry(medication_urn, medication_resource(medication)),
            _entry(_urn("statement", medication.pk), statement)]


def _statement_status(medication: Medication, now: datetime) -> str:
    schedule = getattr(medication, "schedule", None)
    if medication.paused:
        return "on-hold"
    if schedule is not None and schedule.end_date is not None \
            and schedule.end_date < local_today(medication.patient, now):
        return "completed"
    return "active"


def _administration(dose: Dose, subject: Json) -> Json:
    assert dose.medication is not None
    resource: Json = {
        "resourceType": "MedicationAdministration", "id": f"dose-{dose.pk}",
        "subject": subject, "medicationReference": {
            "reference": _urn("medication", dose.medication_id or 0)},
        "dosage": {"dose": dose_and_rate(dose.amount, dose.medication.form)[0]["doseQuantity"]},
    }
    if dose.status == DoseStatus.TAKEN:
        resource.update(status="completed",
                        effectiveDateTime=_instant(dose.acted_at or dose.due_at))
    else:
        resource.update(status="not-done", effectiveDateTime=_instant(dose.due_at),
                        statusReason=[{"text": NOT_DONE_REASON[DoseStatus(dose.status)]}])
    if dose.limit_override:
        resource["note"] = [{"text": f"Recorded beyond a dose limit: {dose.limit_note}"}]
    return _entry(_urn("dose", dose.pk), resource)
