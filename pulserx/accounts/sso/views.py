"""Signing in with an OpenID Connect provider: start, callback, the new account's finish
page, and linking and unlinking in Settings. Every failure is a message on the sign-in page
(or Settings, when linking), never a 500.

The protocol module (`client`, and with it Authlib) is imported inside the two views that
speak it: the worker loads the URL configuration to write links, and must not load Authlib.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pulserx.accounts import two_factor
from pulserx.accounts.care import home_url
from pulserx.accounts.clock_formats import remember_language_clock
from pulserx.accounts.models import SignInIdentity, User
from pulserx.accounts.sso import identities
from pulserx.accounts.sso.config import ProviderConfig
from pulserx.accounts.sso.forms import FinishForm
from pulserx.accounts.sso.identities import ProviderIdentity, Refused
from pulserx.accounts.views import safe_next
from pulserx.languages import remember_browser_language
from pulserx.siteurl import site_url

log = logging.getLogger(__name__)

FLOW_KEY = "pulserx_sso_flow"  # which provider this browser went to, and what for
NEW_ACCOUNT_KEY = "pulserx_sso_new_account"
NEW_ACCOUNT_SALT = "pulserx.accounts.sso.new-account"
NEW_ACCOUNT_FOR = timedelta(minutes=15)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def settings_url() -> str:
    return reverse("account_settings") + "#sign-ins"


def provider_named(request: HttpRequest, name: str, back: str) -> ProviderConfig | HttpResponse:
    """The configured provider, or the page `back` saying why it cannot be used."""
    config: ProviderConfig | None = settings.PULSERX_OIDC_PROVIDERS.get(name)
    if config is None:
        raise Http404("No such sign-in provider.")
    if not config.usable:
        log.error("OpenID provider %s is not set up: %s", name, config.problem)
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.error(request, _("Signing in with %(provider)s is not set up correctly on "
                                  "this server. Sign in with your password, and tell the "
                                  "people who run PulseRx.") % {"provider": config.label})
        return redirect(back)
    return config


def unreachable(request: HttpRequest, config: ProviderConfig, back: str) -> HttpResponse:
    # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
    messages.error(request, _("PulseRx could not reach %(provider)s just now. Try again in a "
                              "few minutes, or sign in with your password.")
                   % {"provider": config.label})
    return redirect(back)


def start(request: HttpRequest, name: str) -> HttpResponse:
    """Off to the provider. With Settings' `link` token, this links the provider's account to
    the signed-in one instead of signing in.

    A link, not a form: the pages' Content-Security-Policy (`form-action 'self'`) stops a form
    whose answer redirects to another site. Starting to sign in changes nothing here; linking
    would, so its link carries a token only Settings hands out (`identities.link_token`)."""
    linking = "link" in request.GET
    back = settings_url() if linking else reverse("login")
    config = provider_named(request, name, back)
    if isinstance(config, HttpResponse):
        return config
    if linking and not identities.is_link_token(request, request.GET["link"]):
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.error(request, _("Open Settings and choose “Link %(provider)s” again.")
                       % {"provider": config.label})
        return redirect(back)
    from pulserx.accounts.sso import client

    request.session[FLOW_KEY] = {"provider": name, "next": safe_next(request),
                                 "link": request.user.pk if linking else None}
    redirect_uri = site_url(request) + reverse("sso_callback", kwargs={"name": name})
    try:
        return client.redirect_to_provider(request, config, redirect_uri)
    except client.ProviderUnavailable:
        return unreachable(request, config, back)


def callback(request: HttpRequest, name: str) -> HttpResponse:
    """Back from the provider with a code (or an error)."""
    flow: dict[str, Any] | None = request.session.pop(FLOW_KEY, None)
    linking = bool(flow and flow.get("link"))
    back = settings_url() if linking else reverse("login")
    config = provider_named(request, name, back)
    if isinstance(config, HttpResponse):
        return config
    if flow is None or flow.get("provider") != name:
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.error(request, _("This sign-in with %(provider)s did not start in this "
                                  "browser, or took too long. Start again.")
                       % {"provider": config.label})
        return redirect(back)
    from pulserx.accounts.sso import client

    try:
        identity = client.identity_from_callback(request, config)
    except client.ProviderUnavailable:
        return unreachable(request, config, back)
    except client.ProviderRefused as refused:
        messages.error(request, refusal_message(config, str(refused)))
        return redirect(back)
    if linking:
        return link_signed_in(request, identity, flow["link"])
    try:
        user = identities.account_for(identity)
    except Refused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    if user is None:
        request.session[NEW_ACCOUNT_KEY] = signing.dumps(
            {"identity": identity.as_session(), "next": flow.get("next", "")},
            salt=NEW_ACCOUNT_SALT)
        return redirect("sso_finish")
    return sign_in(request, user, identity, flow.get("next", ""))


def refusal_message(config: ProviderConfig, reason: str) -> str:
    if reason == "access_denied":
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        return _("Signing in with %(provider)s was cancelled.") % {"provider": config.label}
    # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
    return _("PulseRx could not confirm this sign-in with %(provider)s: its answer did not "
             "match the sign-in this browser started, or did not pass PulseRx's checks. "
             "Start again.") % {"provider": config.label}


def sign_in(request: HttpRequest, user: User, identity: ProviderIdentity,
            next_url: str) -> HttpResponse:
    """The provider vouched for the person: as a right password does. With two-step sign-in
    on, the code comes next."""
    identities.record_use(user, identity)
    target = next_url or home_url(user)
    if two_factor.has_second_step(user):  # signs in with the last backend, ModelBackend
        return two_factor.ask_for_code(request, user, target)
    return two_factor.complete_sign_in(request, user, backend=BACKEND, next_url=target)


def link_signed_in(request: HttpRequest, identity: ProviderIdentity,
                   user_id: int) -> HttpResponse:
    if not isinstance(request.user, User) or request.user.pk != user_id:
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.error(request, _("Sign in again, then link %(provider)s from Settings.")
                       % {"provider": identity.label})
        return redirect("login")
    try:
        identities.link(request.user, identity)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.success(request, _("You can now sign in with %(provider)s.")
                         % {"provider": identity.label})
    return redirect(settings_url())


def pending_new_account(request: HttpRequest) -> dict[str, Any] | None:
    return two_factor.signed_note(request, NEW_ACCOUNT_KEY, NEW_ACCOUNT_SALT, NEW_ACCOUNT_FOR)


def finish(request: HttpRequest) -> HttpResponse:
    """A new account: the provider gave the address; the person gives the rest."""
    pending = pending_new_account(request)
    if pending is None:
        messages.warning(request, _("Start signing in again: the time to finish creating "
                                    "your account ran out."))
        return redirect("login")
    identity = ProviderIdentity.from_session(pending["identity"])
    form = FinishForm(request.POST or None, initial={"first_name": identity.name})
    if request.method == "POST" and form.is_valid():
        try:
            user = identities.create_account(
                identity, first_name=form.cleaned_data["first_name"],
                account_type=form.cleaned_data["account_type"],
                zone=form.cleaned_data["timezone"])
        except Refused as refused:
            request.session.pop(NEW_ACCOUNT_KEY, None)
            messages.error(request, str(refused))
            return redirect("login")
        del request.session[NEW_ACCOUNT_KEY]
        remember_language_clock(request, user)
        remember_browser_language(request, user)
        messages.success(request, _("Welcome to PulseRx."))
        return sign_in(request, user, identity, pending.get("next", ""))
    return render(request, "accounts/sso/finish.html", {"form": form, "identity": identity})


@login_required
@require_POST
def unlink(request: HttpRequest, identity_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        removed = identities.unlink(request.user, identity_id)
    except SignInIdentity.DoesNotExist:
        raise Http404("Not one of your sign-ins.") from None
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        label = identities.label_of(removed)
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        messages.success(request, _("%(provider)s no longer signs in to your account.")
                         % {"provider": label})
    return redirect(settings_url())
