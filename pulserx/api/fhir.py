"""FHIR R4 in and out: `GET /fhir/Bundle` and `POST /fhir/MedicationRequest`."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query

from pulserx.api.auth import any_auth, caller_patient
from pulserx.api.schemas import ErrorOut, MedicationOut
from pulserx.fhir.bundle_out import HISTORY_DAYS, MAX_HISTORY_DAYS, patient_bundle
from pulserx.fhir.importing import import_document, preview
from pulserx.fhir.timing_in import Unsupported
from pulserx.web.templatetags.pulserx_web import plan_summary

router = Router(tags=["fhir"], auth=any_auth)
FHIR_JSON = "application/fhir+json"
# What the document must at least be; the FHIR elements read are described in docs/fhir.md.
_RESOURCE = {"type": "object", "required": ["resourceType"], "properties": {
    "resourceType": {"enum": ["MedicationRequest", "MedicationStatement", "Bundle"]}}}


class PreviewItem(Schema):
    name: str
    strength: str
    recurrence: str
    prescribed: str = Field(description="The prescription's own words (Dosage.text).")
    reminds: str = Field(description="What PulseRx will remind, in words, with every amount "
                         "(and its unit) and time.")
    paused: bool = Field(description="On hold: imported paused, no reminders until resumed.")
    upcoming: list[datetime] = Field(description="The first reminders it would give.")
    already_have: bool = Field(description="The patient already has a medication of this "
                               "name and strength: it is imported only with duplicates=true.")


class PreviewOut(Schema):
    medications: list[PreviewItem]


class ImportedOut(Schema):
    medications: list[MedicationOut]


@router.get("/fhir/Bundle", response={200: dict[str, Any]},
            openapi_extra={"responses": {200: {"content": {FHIR_JSON: {}}}}})
def export_bundle(request: HttpRequest, days: Annotated[
        int, Query(ge=1, le=MAX_HISTORY_DAYS, description="Days of dose history.")
] = HISTORY_DAYS) -> HttpResponse:
    """The patient's medications (MedicationStatement with Dosage/Timing) and recorded doses
    (MedicationAdministration) as a FHIR R4 Bundle of type collection."""
    bundle = patient_bundle(caller_patient(request), timezone.now(), days)
    return HttpResponse(json.dumps(bundle), content_type=FHIR_JSON)


@router.post("/fhir/MedicationRequest",
             response={201: ImportedOut, 200: PreviewOut, 422: ErrorOut},
             openapi_extra={"requestBody": {"content": {FHIR_JSON: {"schema": _RESOURCE},
                                                        "application/json": {"schema": _RESOURCE}},
                                            "description": "A MedicationRequest (or a Bundle "
                                            "of them, or of MedicationStatements)."}})
def import_request(request: HttpRequest, dry_run: Annotated[
        bool, Query(description="Only say what would be created.")] = False,
        single_dose_at: Annotated[time | None, Query(
            description="HH:MM on the patient's clock for a single dose (count 1) the "
                        "prescription gives no time; without it such a dose answers 422.")
        ] = None,
        duplicates: Annotated[bool, Query(
            description="Also import, as second medications, those the patient already has "
                        "(same name and strength); without it they are left out.")] = False,
        ) -> Any:
    """Import medications with their schedules. Anything PulseRx cannot represent answers
    422 naming the FHIR element, and nothing is saved."""
    patient = caller_patient(request)
    try:
        if dry_run:
            items = [PreviewItem(name=p.medication.name, strength=p.medication.strength,
                                 recurrence=p.schedule.recurrence,
                                 prescribed=p.medication.prescribed,
                                 reminds=plan_summary(p.schedule, p.medication),
                                 paused=p.medication.paused, upcoming=p.upcoming,
                                 already_have=p.already is not None)
                     for p in preview(patient, request.body, single_dose_at, duplicates)]
            return Status(200, PreviewOut(medications=items))
        created = import_document(patient, request.body, single_dose_at, duplicates)
    except Unsupported as refused:
        return Status(422, ErrorOut(detail=str(refused)))
    return Status(201, {"medications": created})
