"""Resetting the calendar feed's private address from Settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pulserx.api.ical import reset_calendar_address
from pulserx.web.access import own_patient


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    reset_calendar_address(own_patient(request))
    messages.success(request, _("The calendar has a new address; the old one no longer works."))
    return redirect(reverse("account_settings") + "#calendar")
