"""FHIR on the pages: download the patient's Bundle; paste or upload a MedicationRequest,
see what it becomes, then save it (nothing is saved before the patient confirms)."""

from __future__ import annotations

import json
from datetime import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from pulserx.fhir.base import NeedsTime
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.fhir.document_in import MAX_DOCUMENT_BYTES
from pulserx.fhir.importing import import_document, preview
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders.clock import patient_zone
from pulserx.web.access import acting_patient, acting_url


@login_required
@require_GET
def export_bundle(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    patient = acting_patient(request, patient_id)
    now = timezone.now()
    response = HttpResponse(json.dumps(patient_bundle(patient, now), indent=1),
                            content_type="application/fhir+json")
    response["Content-Disposition"] = \
        f'attachment; filename="pulserx-{now:%Y-%m-%d}.fhir.json"'
    return response


def _single_dose_at(request: HttpRequest) -> time | None:
    """The time the patient chose for a single dose given without one."""
    value = request.POST.get("single_dose_at", "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value).replace(second=0, microsecond=0)
    except ValueError:
        raise Unsupported(_("“%(value)s” is not a time like 18:00") % {"value": value}) from None


def _document(request: HttpRequest) -> str:
    upload = request.FILES.get("upload")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise Unsupported(_("The file is larger than %(size)s KB") % {
                "size": MAX_DOCUMENT_BYTES // 1024})
        return upload.read(MAX_DOCUMENT_BYTES + 1).decode("utf-8", errors="replace")
    return request.POST.get("document", "")


def imported_words(count: int) -> str:
    if count == 0:
        return _("Nothing imported: you already have every medication it holds.")
    return ngettext("Imported %(count)s medication.", "Imported %(count)s medications.",
                    count) % {"count": count}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    patient = acting_patient(request, patient_id)
    context: dict[str, object] = {"zone": patient_zone(patient), "document": "",
                                  "acting_for": patient_id}
    if request.method == "POST":
        try:
            document = _document(request)
            context["document"] = document
            if not document.strip():
                raise Unsupported(_("Paste a MedicationRequest or choose a file"))
            placed = _single_dose_at(request)
            duplicates = request.POST.get("duplicates") == "1"
            context.update(single_dose_at=placed, duplicates=duplicates)
            if request.POST.get("confirm"):
                created = import_document(patient, document, placed, duplicates)
                messages.success(request, imported_words(len(created)))
                return redirect(acting_url("medications", patient_id))
            previews = preview(patient, document, placed, duplicates)
            context.update(previews=previews,
                           adding=sum(item.is_added(duplicates) for item in previews),
                           held=sum(item.already is not None for item in previews))
        except NeedsTime as unplaced:
            context["needs_time"] = str(unplaced)
        except Unsupported as refused:
            context["error"] = str(refused)
    status = 422 if context.get("error") else 200
    return render(request, "web/fhir_import.html", context, status=status)
