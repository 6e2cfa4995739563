"""The Settings page's section for personal API tokens: create one (with a name, read-only
or read-write, and an optional expiry; the token is shown once, on the page that answers the
creation), list them, revoke one. The same rules as `POST /api/v1/tokens` (`ApiToken.issue`):
only a patient makes tokens, read-only unless chosen otherwise."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pulserx.accounts import throttle
from pulserx.accounts.models import User
from pulserx.accounts.views import patient_or_404, render_settings
from pulserx.api.models import ApiToken, TokenLimitError, TokenScope
from pulserx.plaintext import name_problem

# What the form offers; the API takes any expiry within a year.
EXPIRY_CHOICES = {"never": None, "30": timedelta(days=30), "90": timedelta(days=90),
                  "365": timedelta(days=365)}
SECTION = "#api-tokens"


NEW_TOKEN_KEY = "new_api_token"


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def create_token(request: HttpRequest) -> HttpResponse:
    """Create a token, then redirect here (post/redirect/get): the GET shows the new token
    once, from the session, and a reload of it creates no second one (it goes to Settings)."""
    patient = patient_or_404(request)
    if request.method == "GET":
        shown = new_token_once(request)
        if not shown:
            return redirect(reverse("account_settings") + SECTION)
        response = render_settings(request, patient, extra=shown)
        response["Cache-Control"] = "private, no-store"  # the page holds the new token
        return response
    assert isinstance(request.user, User)
    name = " ".join(request.POST.get("name", "").split())[:80]
    expiry = request.POST.get("expires", "never")
    scope = request.POST.get("scope", TokenScope.READ)
    if not name or expiry not in EXPIRY_CHOICES or scope not in TokenScope.values:
        return render_settings(request, patient, status=400, extra={
            "token_error": _("Give the token a name (for example the script that will use "
                             "it) and choose when it expires.")})
    if problem := name_problem(name):
        return render_settings(request, patient, status=400, extra={
            # Translators: %(problem)s says what is wrong with the name ("needs at least one
            # visible character").
            "token_error": _("The token's name %(problem)s.") % {"problem": problem}})
    if throttle.is_locked_out(request):
        return throttle.lockout_response(request)
    lifetime = EXPIRY_CHOICES[expiry]
    try:
        row, token = ApiToken.issue(request.user, name,
                                    timezone.now() + lifetime if lifetime else None,
                                    scope=TokenScope(scope))
    except TokenLimitError as error:
        return render_settings(request, patient, status=429, extra={"token_error": str(error)})
    request.session[NEW_TOKEN_KEY] = {"token": token, "id": row.pk}
    return redirect(reverse("api_token_create") + SECTION)


def new_token_once(request: HttpRequest) -> dict[str, object]:
    """The token created just before this page, shown on it and never again."""
    created = request.session.pop(NEW_TOKEN_KEY, None)
    if not isinstance(created, dict) or not isinstance(request.user, User):
        return {}
    row = ApiToken.objects.filter(pk=int(created.get("id") or 0), user=request.user).first()
    return {"new_token": created.get("token"), "new_token_row": row} if row else {}


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    row = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    row.delete()
    # Translators: %(name)s is the name the person gave the token.
    messages.success(request, _("The token “%(name)s” is revoked: requests that carry it are "
                                "refused from now on.") % {"name": row.name})
    return redirect(reverse("account_settings") + SECTION)
