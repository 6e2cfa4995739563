"""The medications pages: list, add, edit, pause/resume and delete (with confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pulserx.accounts.models import Patient
from pulserx.reminders.actions import delete_medication, set_paused
from pulserx.reminders.clock import local_today
from pulserx.reminders.models import Medication
from pulserx.web.access import acting_medication, acting_patient, acting_url, patient_label
from pulserx.web.medication_forms import MedicationEditor
from pulserx.web.schedule_words import first_dose_words


@login_required
@require_http_methods(["GET"])
def medications(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    patient = acting_patient(request, patient_id)
    items = list(patient.medications.select_related("schedule"))
    return render(request, "web/medications.html", {"medications": items, "patient": patient,
                                                    **acting_context(patient, patient_id)})


def acting_context(patient: Patient, patient_id: int | None) -> dict[str, object]:
    """What the medication pages need to link to their own variant: `acting_for` is the
    id of the person a manager acts for (None for a patient acting for themself)."""
    return {"acting_for": patient_id,
            "acting_label": patient_label(patient) if patient_id is not None else ""}


@login_required
@require_http_methods(["GET", "POST"])
def medication_new(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    return _edit(request, acting_patient(request, patient_id), None, patient_id)


@login_required
@require_http_methods(["GET", "POST"])
def medication_edit(request: HttpRequest, medication_id: int,
                    patient_id: int | None = None) -> HttpResponse:
    medication = acting_medication(request, medication_id, patient_id)
    return _edit(request, medication.patient, medication, patient_id)


def _edit(request: HttpRequest, patient: Patient, medication: Medication | None,
          patient_id: int | None) -> HttpResponse:
    today = local_today(patient)
    if request.method != "POST":
        editor = MedicationEditor(patient, medication, today)
    elif "add_time" in request.POST:  # the no-JavaScript "Add another time" button
        editor = MedicationEditor(patient, medication, today, request.POST, add_row=True)
    else:
        editor = MedicationEditor(patient, medication, today, request.POST)
        if editor.is_valid():
            saved = editor.save()
            first = first_dose_words(saved.schedule, timezone.now())
            if medication:
                # Translators: %(name)s is a medication's name.
                done = _("%(name)s saved.") % {"name": saved.name}
            else:
                done = _("%(name)s added.") % {"name": saved.name}
            messages.success(request, f"{done} {first}".strip())
            return redirect(acting_url("medications", patient_id))
    return render(request, "web/medication_form.html",
                  {"medication": medication, "form": editor.medication_form,
                   "schedule_form": editor.schedule_form, "kinds_form": editor.kinds_form,
                   "day_doses": editor.day_doses, **acting_context(patient, patient_id)})


@login_required
@require_POST
def medication_pause(request: HttpRequest, medication_id: int,
                     patient_id: int | None = None) -> HttpResponse:
    medication = acting_medication(request, medication_id, patient_id)
    paused = request.POST.get("paused") != "0"
    set_paused(medication, paused)
    if paused:
        messages.success(request, _("%(name)s is paused: no reminders until you resume it.")
                         % {"name": medication.name})
    else:
        messages.success(request, _("%(name)s is resumed.") % {"name": medication.name})
    return redirect(acting_url("medications", patient_id))


@login_required
@require_http_methods(["GET", "POST"])
def medication_delete(request: HttpRequest, medication_id: int,
                      patient_id: int | None = None) -> HttpResponse:
    medication = acting_medication(request, medication_id, patient_id)
    if request.method == "POST":
        name = medication.name
        delete_medication(medication)
        messages.success(request, _("%(name)s deleted.") % {"name": name})
        return redirect(acting_url("medications", patient_id))
    history = medication.doses.count()
    return render(request, "web/medication_delete.html",
                  {"medication": medication, "history": history,
                   **acting_context(medication.patient, patient_id)})
