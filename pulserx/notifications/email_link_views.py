"""The pages behind the one-click links in reminder emails."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pulserx.accounts.care import may_record_for
from pulserx.accounts.models import User
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
            .filter(pk=link.dose_id).first())
    # The link's reader: the patient, or a carer reminded to give (who may still give).
    reader = User.objects.filter(pk=link.user_id, is_active=True).first()
    if dose is None or reader is None or not dose.patient.user.is_active \
            or not may_record_for(reader, dose.patient_id, is_test=dose.is_test):
        return page(request, "gone", status=404)
    if request.method == "POST":
        try:
            dose = record_dose(dose.pk, link.status, by=reader, via=RecordedVia.EMAIL)
        except DoseActionError:
            return page(request, "already", dose=dose, reader=reader)
        return page(request, "done", dose=dose, action=link.action, reader=reader)
    if not DoseStatus(dose.status).can_record:
        return page(request, "already", dose=dose, reader=reader)
    return page(request, "confirm", dose=dose, action=link.action, reader=reader)


def page(request: HttpRequest, state: str, *, status: int = 200, dose: Dose | None = None,
         action: str = "", reader: User | None = None) -> HttpResponse:
    context: dict[str, Any] = {"state": state, "action": action, "dose": dose}
    if dose is None or reader is None:  # nobody known: the visitor's language (the request's)
        response = render(request, "notifications/email_action.html", context, status=status)
    else:
        words = reader_of(reader)  # in the language of whoever the link was sent to
        with reading(words):
            dose.refresh_from_db(fields=["status", "acted_at", "acted_by", "recorded_via"])
            context.update(dose_summary(dose, words))
            context["already"] = already_words(dose)
            context["giver"] = dose.patient.user_id != reader.pk
            response = render(request, "notifications/email_action.html", context,
                              status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
