"""URLconfs for the navigation tests: with and without the pages other apps provide."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def placeholder(request: HttpRequest) -> HttpResponse:
    return HttpResponse("placeholder")


accounts = [path("accounts/", include("pulserx.accounts.urls"))]
minimal = [path("", placeholder, name="today"), *accounts]
complete = [*minimal, path("meds/", placeholder, name="medications"),
            path("inbox/", placeholder, name="inbox"),
            path("care/<int:patient_id>/", placeholder, name="care_patient_day")]
