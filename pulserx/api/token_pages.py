"""The Settings page's section for personal API tokens: create one (with a name and an
optional expiry; the token is shown once, on the page that answers the creation), list them,
revoke one. The same rules as `POST /api/v1/tokens` (`ApiToken.issue`)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pulserx.accounts import throttle
from pulserx.accounts.models import User
from pulserx.accounts.views import patient_or_404, render_settings
from pulserx.api.models import ApiToken, TokenLimitError

# What the form offers; the API takes any expiry within a year.
EXPIRY_CHOICES = {"never": None, "30": timedelta(days=30), "90": timedelta(days=90),
                  "365": timedelta(days=365)}
SECTION = "#api-tokens"


@login_required
@require_POST
@never_cache  # the answer holds the new token
def create_token(request: HttpRequest) -> HttpResponse:
    patient = patient_or_404(request)
    assert isinstance(request.user, User)
    name = " ".join(request.POST.get("name", "").split())[:80]
    expiry = request.POST.get("expires", "never")
    if not name or expiry not in EXPIRY_CHOICES:
        return render_settings(request, patient, status=400, extra={
            "token_error": "Give the token a name (for example the script that will use it) "
                           "and choose when it expires."})
    if throttle.is_locked_out(request):
        return throttle.lockout_response(request)
    lifetime = EXPIRY_CHOICES[expiry]
    try:
        row, token = ApiToken.issue(request.user, name,
                                    timezone.now() + lifetime if lifetime else None)
    except TokenLimitError as error:
        return render_settings(request, patient, status=429, extra={"token_error": str(error)})
    return render_settings(request, patient, extra={"new_token": token, "new_token_row": row})


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    row = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    row.delete()
    messages.success(request, f"The token “{row.name}” is revoked: requests that carry it are "
                              "refused from now on.")
    return redirect(reverse("account_settings") + SECTION)
