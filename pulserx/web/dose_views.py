"""Take, skip and snooze a dose, and the HTML of one dose for live updates.

Each action posts to /doses/<id>/<action>; the rules are pulserx.reminders.actions'. The
answer depends on the caller (see responses.py); a refused action (already taken…) is shown
where the buttons were, never as a server error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pulserx.clock_format import page_time
from pulserx.notifications import inbox
from pulserx.reminders.actions import DoseActionError, record_dose, snooze_dose
from pulserx.reminders.adherence import WINDOWS, adherence
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.stock import stock_was_short
from pulserx.web.access import givable_dose, gives_to, signed_in_user, visible_dose
from pulserx.web.day import TimelineEntry, dose_state
from pulserx.web.forms import SnoozeForm
from pulserx.web.responses import is_htmx, redirect_back, wants_json

FRAGMENTS = {"row": "web/_dose_row.html", "state": "web/_dose_state.html"}


def fragment_context(dose: Dose, readonly: bool, fragment: str, next_url: str,
                     error: str = "", gives: bool = False) -> dict[str, Any]:
    """`readonly`: seen by someone other than the patient; `gives`: they may still record it."""
    now = timezone.now()
    entry = TimelineEntry(due_at=dose.due_at, medication=dose.medication, amount=dose.amount,
                          dose=dose, state=dose_state(dose, now))
    return {"entry": entry, "zone": patient_zone(dose.patient), "readonly": readonly,
            "gives": gives, "fragment": fragment, "next": next_url, "error": error}


def _fragment_name(value: str | None) -> str:
    return value if value in FRAGMENTS else "row"


@login_required
@require_GET
def dose_row(request: HttpRequest, dose_id: int) -> HttpResponse:
    """One dose as the Today timeline (`?fragment=row`) or the inbox (`state`) shows it."""
    dose, readonly = visible_dose(request, dose_id)
    fragment = _fragment_name(request.GET.get("fragment"))
    context = fragment_context(dose, readonly, fragment, request.GET.get("next", ""),
                               gives=readonly and gives_to(request, dose.patient))
    return render(request, FRAGMENTS[fragment], context)


@login_required
@require_POST
def record(request: HttpRequest, dose_id: int, status: DoseStatus) -> HttpResponse:
    """Take or skip (the URL says which), by the patient or a carer who gives."""
    user = signed_in_user(request)
    return act_on_dose(request, dose_id, lambda dose: record_dose(dose.pk, status, user),
                       marked_words(status))


def marked_words(status: DoseStatus) -> str:
    """What a recorded dose is now, said once it is recorded: "Marked as taken."."""
    if status == DoseStatus.TAKEN:
        return _("Marked as taken.")
    if status == DoseStatus.SKIPPED:
        return _("Marked as skipped.")
    # Translators: %(status)s is a dose's status in lower case ("missed").
    return _("Marked as %(status)s.") % {"status": str(status.label).lower()}


@login_required
@require_POST
def snooze(request: HttpRequest, dose_id: int) -> HttpResponse:
    form = SnoozeForm(request.POST)

    def do_snooze(dose: Dose) -> Dose:
        if not form.is_valid():
            raise DoseActionError(form.errors["minutes"][0])
        return snooze_dose(dose.pk, form.cleaned_data["minutes"])

    return act_on_dose(request, dose_id, do_snooze, _("Snoozed."))


def stock_empty_words() -> str:
    return _("The stock was empty, so the count stays at 0: add a refill on History.")


def act_on_dose(request: HttpRequest, dose_id: int, action: Callable[[Dose], Dose],
                done_words: str | Callable[[Dose], str]) -> HttpResponse:
    """Do `action` to a dose the signed-in user may record (theirs, or of someone they give
    to) and answer as the caller wants; `done_words` is what to say when it worked (or makes
    it from the dose). A dose someone else recorded first answers with who and when."""
    dose = givable_dose(request, dose_id)
    error = ""
    try:
        dose = action(dose)
    except DoseActionError as refused:
        error = str(refused)
    dose = givable_dose(request, dose_id)  # fresh, with the medication's new stock
    readonly = dose.patient.user_id != signed_in_user(request).pk
    done = done_words(dose) if callable(done_words) else done_words
    if not error and dose.status == DoseStatus.TAKEN and stock_was_short(dose):
        done = f"{done} {stock_empty_words()}"
    if dose.snoozed_until and not error and dose.status == DoseStatus.SCHEDULED:
        zone = patient_zone(dose.patient)
        done = _("Snoozed until %(time)s.") % {"time": page_time(dose.snoozed_until, zone)}
    if wants_json(request):
        return _json_answer(request, dose, done, error)
    if is_htmx(request):
        fragment = _fragment_name(request.POST.get("fragment"))
        context = fragment_context(dose, readonly, fragment, request.POST.get("next", ""),
                                   error, gives=True)
        context["notice"] = "" if error else done
        if fragment == "row":
            now = timezone.now()
            context["adherence_oob"] = [adherence(dose.patient, now, days)
                                        for days in WINDOWS]
            context["adherence_url"] = (reverse("care_patient_adherence", args=[dose.patient_id])
                                        if readonly else reverse("today_adherence"))
            context["patient"] = dose.patient
        response = render(request, FRAGMENTS[fragment], context)
        # live.js listens for this event to keep the unread badge true.
        unread = inbox.unread_count(signed_in_user(request))
        response.headers["HX-Trigger"] = json.dumps({"pulserx:unread": {"count": unread}})
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect_back(request, "today")


def _json_answer(request: HttpRequest, dose: Dose, done: str, error: str) -> JsonResponse:
    state = dose_state(dose, timezone.now())
    body = {"dose_id": dose.pk, "status": dose.status, "badge": state.badge,
            "label": state.label, "unread": inbox.unread_count(signed_in_user(request))}
    if error:
        return JsonResponse({**body, "error": error}, status=409)
    return JsonResponse({**body, "message": done})
