"""A patient's medications and dose history as one FHIR R4 ``Bundle`` (type collection).

* ``Patient`` — who it is about (R4 has no element for a patient's zone: each wall time's
  zone is named where R4 allows it, with the core ``tz-code`` extension on the dates and
  dateTimes that carry it);
* ``Medication`` + ``MedicationStatement`` per medication, its schedule as ``Dosage``;
* ``MedicationAdministration`` per recorded dose in the chosen window: taken → completed
  at the time it was taken; skipped or missed → not-done with the reason. Its ``performer``
  is who recorded it: the ``Patient`` themself, or a carer as a ``RelatedPerson`` (one per
  carer, in the bundle).

Resources refer to each other by ``urn:uuid:`` full URLs derived from database ids, so the
same export gives the same identifiers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from pulserx.accounts.models import Patient, User
from pulserx.fhir.dosage_out import UCUM, quantity, schedule_dosages, zone_extension
from pulserx.reminders.amounts import Measure
from pulserx.reminders.clock import local_today, patient_zone
from pulserx.reminders.given import giver_name
from pulserx.reminders.models import Dose, DoseStatus, Medication

Json = dict[str, Any]

# A form as a standard code: SNOMED CT where the R4 examples use it, else HL7's
# orderableDrugForm; "other" has only its text.
SNOMED = "http://snomed.info/sct"
DRUG_FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"
FORM_CODES = {"tablet": (SNOMED, "385055001", "Tablet dose form"),
              "capsule": (DRUG_FORM, "CAP", "Capsule"),
              "liquid": (DRUG_FORM, "SOL", "Solution"),
              "injection": (SNOMED, "385219001", "Injection solution"),
              "inhaler": (DRUG_FORM, "MDINHL", "Metered Dose Inhaler"),
              "drops": (DRUG_FORM, "DROP", "Drops"),
              "patch": (DRUG_FORM, "PATCH", "Patch")}
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
    zone = patient_zone(patient).key
    entries = [_entry(_urn("patient", patient.pk), {
        "resourceType": "Patient", "id": f"pulserx-{patient.pk}",
        "name": [{"text": patient.user.get_full_name() or patient.user.email}]})]
    medications = list(Medication.objects.filter(patient=patient)
                       .select_related("schedule").order_by("pk"))
    for medication in medications:
        entries += _medication_entries(medication, subject, now, zone)
    doses = (Dose.objects.filter(patient=patient, medication__isnull=False,
                                 status__in=[*NOT_DONE_REASON, DoseStatus.TAKEN],
                                 due_at__gt=now - timedelta(days=days), due_at__lte=now)
             .select_related("medication", "acted_by").order_by("due_at", "pk"))
    carers: dict[int, User] = {}
    for dose in doses.iterator():
        entries.append(_administration(dose, subject, zone, patient.user_id))
        if dose.acted_by is not None and dose.acted_by_id != patient.user_id:
            carers.setdefault(dose.acted_by.pk, dose.acted_by)
    entries += [_related_person(carer, subject) for carer in carers.values()]
    return {"resourceType": "Bundle", "id": f"pulserx-{patient.pk}-{now:%Y%m%d%H%M%S}",
            "type": "collection", "timestamp": _instant(now),
            "_timestamp": zone_extension(zone), "entry": entries}


def _related_person(carer: User, subject: Json) -> Json:
    """A carer who recorded doses: a person related to the patient, as R4 has it."""
    return _entry(_urn("carer", carer.pk), {
        "resourceType": "RelatedPerson", "id": f"carer-{carer.pk}", "patient": subject,
        "name": [{"text": carer.get_full_name() or giver_name(carer)}]})


def _entry(full_url: str, resource: Json) -> Json:
    return {"fullUrl": full_url, "resource": resource}


def medication_resource(medication: Medication) -> Json:
    form: Json = {"text": medication.get_form_display()}
    if medication.form in FORM_CODES:
        system, code, display = FORM_CODES[medication.form]
        form["coding"] = [{"system": system, "code": code, "display": display}]
    resource: Json = {"resourceType": "Medication", "id": f"med-{medication.pk}",
                      "code": {"text": medication.name}, "form": form}
    amount, _, unit = medication.strength.partition(" ")
    if medication.strength_value is not None and medication.strength_unit:
        per = {"value": 1, **({"unit": "mL", "system": UCUM, "code": "mL"}
                              if medication.form == "liquid" else {})}
        resource["ingredient"] = [{
            "itemCodeableConcept": {"text": medication.name},
            "strength": {"numerator": quantity(medication.strength_value,
                                               Measure("", medication.strength_unit)),
                         "denominator": per}}]
    elif amount.replace(".", "", 1).isdigit() and unit.strip():
        resource["ingredient"] = [{
            "itemCodeableConcept": {"text": medication.name},
            "strength": {"numerator": {"value": float(amount) if "." in amount
                                       else int(amount), "unit": unit.strip()},
                         "denominator": {"value": 1}}}]
    return resource


def _medication_entries(medication: Medication, subject: Json, now: datetime, zone: str
                        ) -> list[Json]:
    medication_urn = _urn("medication", medication.pk)
    statement: Json = {
        "resourceType": "MedicationStatement", "id": f"statement-{medication.pk}",
        "status": _statement_status(medication, now), "subject": subject,
        "medicationReference": {"reference": medication_urn}, "dateAsserted": _instant(now),
        "_dateAsserted": zone_extension(zone),
    }
    schedule = getattr(medication, "schedule", None)
    if schedule is not None:
        statement["effectivePeriod"] = {"start": schedule.start_date.isoformat(),
                                        "_start": zone_extension(zone)}
        dosages = schedule_dosages(schedule, medication.measure, zone)
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


def _administration(dose: Dose, subject: Json, zone: str, patient_user_id: int) -> Json:
    assert dose.medication is not None
    resource: Json = {
        "resourceType": "MedicationAdministration", "id": f"dose-{dose.pk}",
        "subject": subject, "medicationReference": {
            "reference": _urn("medication", dose.medication_id or 0)},
        "dosage": {"dose": quantity(dose.amount, dose.medication.measure)},
    }
    if dose.status == DoseStatus.TAKEN:
        resource.update(status="completed",
                        effectiveDateTime=_instant(dose.acted_at or dose.due_at))
    else:
        resource.update(status="not-done", effectiveDateTime=_instant(dose.due_at),
                        statusReason=[{"text": NOT_DONE_REASON[DoseStatus(dose.status)]}])
    resource["_effectiveDateTime"] = zone_extension(zone)
    if dose.acted_by_id is not None:
        by_patient = dose.acted_by_id == patient_user_id
        actor = subject if by_patient else {"reference": _urn("carer", dose.acted_by_id)}
        resource["performer"] = [{"actor": {**actor, "display": giver_name(dose.acted_by)}}]
    if dose.limit_override:
        resource["note"] = [{"text": f"Recorded beyond a dose limit: {dose.limit_note}"}]
    return _entry(_urn("dose", dose.pk), resource)
