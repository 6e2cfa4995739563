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
from pulserx.web.access import own_medication, own_patient
from pulserx.web.medication_forms import MedicationEditor
from pulserx.web.schedule_words import first_dose_words


@login_required
@require_http_methods(["GET"])
def medications(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request)
    items = list(patient.medications.select_related("schedule"))
    return render(request, "web/medications.html", {"medications": items, "patient": patient})


@login_required
@require_http_methods(["GET", "POST"])
def medication_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, own_patient(request), None)


@login_required
@require_http_methods(["GET", "POST"])
def medication_edit(request: HttpRequest, medication_id: int) -> HttpResponse:
    medication = own_medication(request, medication_id)
    return _edit(request, medication.patient, medication)


def _edit(request: HttpRequest, patient: Patient, medication: Medication | None) -> HttpResponse:
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
            return redirect("medications")
    return render(request, "web/medication_form.html",
                  {"medication": medication, "form": editor.medication_form,
                   "schedule_form": editor.schedule_form, "kinds_form": editor.kinds_form,
                   "day_doses": editor.day_doses})


@login_required
@require_POST
def medication_pause(request: HttpRequest, medication_id: int) -> HttpResponse:
    medication = own_medication(request, medication_id)
    paused = request.POST.get("paused") != "0"
    set_paused(medication, paused)
    if paused:
        messages.success(request, _("%(name)s is paused: no reminders until you resume it.")
                         % {"name": medication.name})
    else:
        messages.success(request, _("%(name)s is resumed.") % {"name": medication.name})
    return redirect("medications")


@login_required
@require_http_methods(["GET", "POST"])
def medication_delete(request: HttpRequest, medication_id: int) -> HttpResponse:
    medication = own_medication(request, medication_id)
    if request.method == "POST":
        name = medication.name
        delete_medication(medication)
        messages.success(request, _("%(name)s deleted.") % {"name": name})
        return redirect("medications")
    history = medication.doses.count()
    return render(request, "web/medication_delete.html",
                  {"medication": medication, "history": history})
