"""The patient's Today page and the caregiver's read-only view of a patient's day."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pulserx.accounts.care import home_url, patient_in_care
from pulserx.accounts.models import CareRole, Patient
from pulserx.accounts.people import is_without_login
from pulserx.clock_format import page_time
from pulserx.reminders.actions import send_test_reminder
from pulserx.reminders.adherence import WINDOWS, adherence
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.schedule import TravelPolicy
from pulserx.reminders.travel import clock_choice, needs_choice
from pulserx.web.access import (
    cared_patient,
    gives_to,
    own_patient,
    patient_label,
    signed_in_user,
)
from pulserx.web.as_needed_views import as_needed_entries
from pulserx.web.day import DAY_LIMIT, timeline
from pulserx.web.responses import is_htmx
from pulserx.web.schedule_words import taper_entries
from pulserx.web.travel_words import choice_effect

TEST_REMINDER_SENT = gettext_lazy("A test reminder is on its way — it arrives in about 5 "
                                  "seconds.")


def adherence_context(patient: Patient, url: str) -> dict[str, Any]:
    now = timezone.now()
    return {"adherence": [adherence(patient, now, days) for days in WINDOWS],
            "adherence_url": url, "patient": patient}


def day_context(patient: Patient, readonly: bool, refresh_url: str,
                next_url: str = "", gives: bool = False) -> dict[str, Any]:
    """`readonly`: a carer's view of the day; `gives`: that carer may record its doses."""
    now = timezone.now()
    day, entries, clipped = timeline(patient, now, for_caregiver=readonly)
    adherence_url = (reverse("care_patient_adherence", args=[patient.pk]) if readonly
                     else reverse("today_adherence"))
    return {
        "zone": patient_zone(patient), "day": day, "entries": entries, "clipped": clipped,
        "day_limit": DAY_LIMIT,
        "readonly": readonly, "gives": gives, "timeline_url": refresh_url, "next": next_url,
        "as_needed": as_needed_entries(patient, now),
        "tapers": [] if readonly else taper_entries(patient, day),
        **adherence_context(patient, adherence_url),
    }


@login_required
@require_GET
def today_adherence(request: HttpRequest) -> HttpResponse:
    context = adherence_context(own_patient(request), reverse("today_adherence"))
    return render(request, "web/_adherence.html", context)


@login_required
@require_GET
def care_patient_adherence(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = cared_patient(request, patient_id)
    url = reverse("care_patient_adherence", args=[patient.pk])
    return render(request, "web/_adherence.html", adherence_context(patient, url))


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    patient = Patient.objects.filter(user=signed_in_user(request)).first()
    if patient is None:  # a caregiver's home is the people they look after; staff: the admin
        return redirect(home_url(signed_in_user(request)))
    context = day_context(patient, readonly=False, refresh_url=reverse("today_timeline"),
                          next_url=reverse("today"))
    return render(request, "web/today.html", {**context, **travel_context(patient)})


def travel_context(patient: Patient) -> dict[str, Any]:
    """Today's travel question, when the browser is somewhere no clock was chosen for."""
    if not needs_choice(patient):
        return {"travel": None}
    # Deliberately two clocks: where the browser is, beside the one reminders follow.
    now = timezone.now()
    clock, there = patient_zone(patient), ZoneInfo(patient.reported_timezone)
    return {"travel": {
        "where": there.key.replace("_", " "), "local_now": page_time(now, there),
        "clock": clock.key.replace("_", " "), "clock_now": page_time(now, clock),
        "local": choice_effect(clock_choice(patient, TravelPolicy.LOCAL_CLOCK, now)),
        "home": choice_effect(clock_choice(patient, TravelPolicy.HOME_CLOCK, now)),
    }}


@login_required
@require_GET
def today_travel(request: HttpRequest) -> HttpResponse:
    return render(request, "web/_travel_prompt.html", travel_context(own_patient(request)))


@login_required
@require_GET
def today_timeline(request: HttpRequest) -> HttpResponse:
    context = day_context(own_patient(request), readonly=False,
                          refresh_url=reverse("today_timeline"), next_url=reverse("today"))
    return render(request, "web/_timeline.html", context)


@login_required
@require_POST
def test_reminder(request: HttpRequest) -> HttpResponse:
    send_test_reminder(own_patient(request))
    if is_htmx(request):
        return render(request, "web/_notice.html", {"message": TEST_REMINDER_SENT})
    messages.success(request, TEST_REMINDER_SENT)
    return redirect("today")


@login_required
@require_GET
def care_patient_day(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = cared_patient(request, patient_id)
    url = reverse("care_patient_timeline", args=[patient.pk])
    next_url = reverse("care_patient_day", args=[patient.pk])
    context = day_context(patient, readonly=True, refresh_url=url, next_url=next_url,
                          gives=gives_to(request, patient))
    manages = patient_in_care(signed_in_user(request), patient.pk,
                              CareRole.MANAGES) is not None
    return render(request, "web/care_patient_day.html",
                  {**context, "label": patient_label(patient), "manages": manages,
                   "without_login": manages and is_without_login(patient.user)})


@login_required
@require_GET
def care_patient_timeline(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = cared_patient(request, patient_id)
    url = reverse("care_patient_timeline", args=[patient.pk])
    next_url = reverse("care_patient_day", args=[patient.pk])
    return render(request, "web/_timeline.html", day_context(
        patient, readonly=True, refresh_url=url, next_url=next_url,
        gives=gives_to(request, patient)))
