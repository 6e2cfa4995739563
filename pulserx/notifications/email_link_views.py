"""The pages behind the one-click links in reminder emails."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pulserx.notifications.email_links import LinkExpired, LinkInvalid, read_email_action
from pulserx.notifications.render import dose_summary, reading
from pulserx.reminders.actions import DoseActionError, record_dose
from pulserx.reminders.clock import reader_of
from pulserx.reminders.given import already_words
from pulserx.reminders.models import Dose, DoseStatus, RecordedVia


@never_cache
@require_http_methods(["GET", "POST"])
def email_dose_action(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows what the link will do (mail scanners fetch links); POST does it, once.
    The signed token is the credential: no sign-in needed."""
    try:
        link = read_email_action(token)
    except LinkExpired:
        return page(request, "expired", status=410)
    except LinkInvalid:
        return page(request, "invalid", status=400)
    dose = (Dose.objects.select_related("medication", "patient__user")
            .filter(pk=link.dose_id, patient__user_id=link.user_id).first())
    if dose is None or not dose.patient.user.is_active:
        return page(request, "gone", status=404)
    if request.method == "POST":
        try:
            dose = record_dose(dose.pk, link.status, by=dose.patient.user,
                               via=RecordedVia.EMAIL)
        except DoseActionError:
            return page(request, "already", dose=dose)
        return page(request, "done", dose=dose, action=link.action)
    if not DoseStatus(dose.status).can_record:
        return page(request, "already", dose=dose)
    return page(request, "confirm", dose=dose, action=link.action)


def page(request: HttpRequest, state: str, *, status: int = 200, dose: Dose | None = None,
         action: str = "") -> HttpResponse:
    context: dict[str, Any] = {"state": state, "action": action, "dose": dose}
    if dose is None:  # nobody known: the visitor's language (the request's)
        response = render(request, "notifications/email_action.html", context, status=status)
    else:
        reader = reader_of(dose.patient.user)  # the patient's link: in the patient's language
        with reading(reader):
            dose.refresh_from_db(fields=["status", "acted_at", "acted_by", "recorded_via"])
            context.update(dose_summary(dose, reader))
            context["already"] = already_words(dose)
            response = render(request, "notifications/email_action.html", context,
                              status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
