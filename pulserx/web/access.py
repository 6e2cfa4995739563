"""Who may see what: every page query goes through these, scoped to the signed-in user."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse

from pulserx.accounts.access_log import KIND_OF_PAGE, record_read
from pulserx.accounts.care import care_role, may_record_for, patient_in_care
from pulserx.accounts.models import AccessKind, CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.reminders.models import Dose, Medication


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # views using these helpers require login
    return user


def own_patient(request: HttpRequest) -> Patient:
    """The signed-in user's own patient profile (404 for a caregiver without one)."""
    patient = Patient.objects.filter(user=signed_in_user(request)).first()
    if patient is None:
        raise Http404("No patient profile")
    return patient


def own_medication(request: HttpRequest, medication_id: int) -> Medication:
    medication = (Medication.objects.filter(pk=medication_id, patient=own_patient(request))
                  .select_related("schedule").first())
    if medication is None:
        raise Http404("No such medication")
    return medication


def acting_patient(request: HttpRequest, patient_id: int | None = None) -> Patient:
    """Whose medications, stock and record a page changes: the signed-in patient's own
    (`patient_id` None), or the person `patient_id` when the signed-in user *manages* them
    (404 for anyone else). The one rule of every "/care/<id>/medications/…" page."""
    if patient_id is None:
        return own_patient(request)
    user = signed_in_user(request)
    patient = patient_in_care(user, patient_id, CareRole.MANAGES)
    if patient is None:
        raise Http404("No such patient")
    if patient.user_id != user.pk:  # a carer's read goes into the "who saw what" log
        match = request.resolver_match
        record_read(user, patient, KIND_OF_PAGE.get(match.url_name or "", AccessKind.DAY)
                    if match else AccessKind.DAY)
    return patient


def acting_medication(request: HttpRequest, medication_id: int,
                      patient_id: int | None = None) -> Medication:
    """A medication of the patient `acting_patient` gives (404 for any other)."""
    patient = acting_patient(request, patient_id)
    medication = (Medication.objects.filter(pk=medication_id, patient=patient)
                  .select_related("schedule", "patient__user").first())
    if medication is None:
        raise Http404("No such medication")
    return medication


def acting_url(name: str, patient_id: int | None, *args: object) -> str:
    """The URL of page `name` for the patient themself, or its "/care/<id>/…" variant."""
    if patient_id is None:
        return reverse(name, args=args)
    return reverse(f"care_{name}", args=(patient_id, *args))


def medication_in_care(request: HttpRequest, medication_id: int,
                       needs: CareRole) -> Medication:
    """A medication of the signed-in user, or of a person whose care team they are on with
    a role allowing `needs` (404 otherwise)."""
    medication = (Medication.objects.filter(pk=medication_id)
                  .select_related("schedule", "patient__user").first())
    if medication is None or patient_in_care(signed_in_user(request), medication.patient_id,
                                             needs) is None:
        raise Http404("No such medication")
    return medication


def own_dose(request: HttpRequest, dose_id: int) -> Dose:
    """A dose of the signed-in patient: the only doses they can act on."""
    dose = (Dose.objects.filter(pk=dose_id, patient__user=signed_in_user(request))
            .select_related("medication", "patient").first())
    if dose is None:
        raise Http404("No such dose")
    return dose


def cared_patient(request: HttpRequest, patient_id: int) -> Patient:
    """A patient who has an accepted care link with the signed-in user (404 otherwise).
    The read goes into the patient's "who saw what" log."""
    link = (CareLink.objects.filter(patient_id=patient_id, caregiver=signed_in_user(request),
                                    status=CareLinkStatus.ACCEPTED)
            .select_related("patient__user").first())
    if link is None:
        raise Http404("No such patient")
    match = request.resolver_match
    kind = KIND_OF_PAGE.get(match.url_name or "", AccessKind.DAY) if match else AccessKind.DAY
    record_read(signed_in_user(request), link.patient, kind)
    return link.patient


def visible_dose(request: HttpRequest, dose_id: int) -> tuple[Dose, bool]:
    """A dose the user may see, and whether they see it read-only (as a caregiver)."""
    user = signed_in_user(request)
    dose = Dose.objects.filter(pk=dose_id).select_related("medication", "patient").first()
    if dose is not None:
        if dose.patient.user_id == user.pk:
            return dose, False
        if not dose.is_test and care_role(user, dose.patient_id) is not None:
            return dose, True
    raise Http404("No such dose")


def givable_dose(request: HttpRequest, dose_id: int) -> Dose:
    """A dose the signed-in user may record: their own, or one of a person they give to
    (never a test reminder of someone else). 404 for any other."""
    user = signed_in_user(request)
    dose = (Dose.objects.filter(pk=dose_id)
            .select_related("medication", "patient__user", "acted_by").first())
    if dose is None or not may_record_for(user, dose.patient_id, is_test=dose.is_test):
        raise Http404("No such dose")
    return dose


def gives_to(request: HttpRequest, patient: Patient) -> bool:
    """Whether the signed-in user may record `patient`'s doses (they are them, or give)."""
    return patient_in_care(signed_in_user(request), patient.pk, CareRole.GIVES) is not None


def patient_label(patient: Patient) -> str:
    return patient.user.get_full_name() or patient.user.first_name or patient.user.email
