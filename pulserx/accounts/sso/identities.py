"""Which PulseRx account an identity at an OpenID Connect provider signs in as.

- A known (issuer, subject) signs in its account.
- Otherwise the provider's address finds the account, but only when the provider says it
  confirmed the address (`email_verified`): anyone can type any address into a provider's
  profile, so an unconfirmed one must never open somebody else's account. The identity is then
  linked, and the address counts as confirmed here too.
- No account with a confirmed address: a new account, once the person has answered what
  sign-up asks and the provider does not say (`save_new_account`).
- Signed in already: linking needs no confirmed address (the person proved both sides).

No Authlib here: the account pages import this module, and what a provider said arrives as a
`ProviderIdentity` that the caller built from an ID token it checked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.forms import normalise_email, save_new_account
from pulserx.accounts.models import SignInIdentity, User
from pulserx.accounts.people import can_receive_mail


@dataclass(frozen=True)
class ProviderIdentity:
    """What a provider said about the person in a checked ID token (and its userinfo)."""

    provider: str  # the name in PULSERX_OIDC_PROVIDERS
    label: str  # what people call the provider ("Authentik")
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str = ""

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> ProviderIdentity:
        return cls(**data)


class Refused(Exception):
    """This identity cannot sign in (or be linked); the message says why, to the person."""


def account_for(identity: ProviderIdentity) -> User | None:
    """The account `identity` signs in as, linking it by a confirmed address when it is new
    here; None when no account has the address (a new one may be created). Raises Refused."""
    known = (SignInIdentity.objects.select_related("user")
             .filter(issuer=identity.issuer, subject=identity.subject).first())
    if known is not None:
        return usable(known.user)
    if not identity.email or not can_receive_mail(identity.email):
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        raise Refused(_("%(provider)s did not give PulseRx an email address, so PulseRx cannot "
                        "find or create your account. Sign in with your password, then link "
                        "%(provider)s in Settings.") % {"provider": identity.label})
    if not identity.email_verified:
        # The same words whether or not an account has the address: they tell nobody who
        # has an account here.
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        raise Refused(_("%(provider)s has not confirmed that %(email)s is your address, so "
                        "PulseRx cannot use it to find or create your account. Confirm the "
                        "address at %(provider)s and sign in again, or sign in with your "
                        "password and link %(provider)s in Settings.")
                      % {"provider": identity.label, "email": identity.email})
    user = User.objects.filter(email__iexact=normalise_email(identity.email)).first()
    if user is None:
        return None
    usable(user)
    with transaction.atomic():
        link(user, identity)
        if not user.email_verified:  # the provider confirmed it
            user.email_verified = True
            user.save(update_fields=["email_verified"])
    return user


def usable(user: User) -> User:
    """Refuse an account that may not sign in, as the password sign-in refuses it."""
    if not user.is_active:
        raise Refused(_("This account cannot sign in. If you think it should, contact us."))
    return user


def link(user: User, identity: ProviderIdentity) -> SignInIdentity:
    """Let `identity` sign in as `user` from now on. Raises Refused when it already signs in
    as somebody else."""
    found = SignInIdentity.objects.filter(issuer=identity.issuer,
                                          subject=identity.subject).first()
    if found is not None and found.user_id != user.pk:
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        raise Refused(_("That %(provider)s account already signs in to another PulseRx "
                        "account.") % {"provider": identity.label})
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SignInIdentity.objects.create(
                user=user, provider=identity.provider, issuer=identity.issuer,
                subject=identity.subject, email=identity.email[:254])
    except IntegrityError:  # linked a moment ago, by another request
        return link(user, identity)


def create_account(identity: ProviderIdentity, *, first_name: str, account_type: str,
                   zone: str) -> User:
    """A new account for a confirmed address no account has, signed in through `identity`:
    no password (a reset email can set one), the address confirmed. Raises Refused when the
    address got an account in the meantime."""
    user = User(email=normalise_email(identity.email), first_name=first_name,
                email_verified=True, password=make_password(None))
    try:
        with transaction.atomic():
            save_new_account(user, account_type, zone)
            link(user, identity)
    except IntegrityError:
        # Translators: %(provider)s is the name of a sign-in service ("Authentik", "Keycloak").
        raise Refused(_("An account with %(email)s was created in the meantime. Sign in with "
                        "%(provider)s again.") % {"email": identity.email,
                                                  "provider": identity.label}) from None
    return user


def record_use(user: User, identity: ProviderIdentity) -> None:
    SignInIdentity.objects.filter(user=user, issuer=identity.issuer,
                                  subject=identity.subject).update(last_used_at=timezone.now())


def can_unlink(user: User, identity: SignInIdentity) -> bool:
    """Unlinking must leave the account a way in: a password, or another linked sign-in."""
    if user.has_usable_password():
        return True
    return user.sign_in_identities.exclude(pk=identity.pk).exists()


def unlink(user: User, identity_id: int) -> SignInIdentity:
    """Remove one of `user`'s linked sign-ins. Raises Refused when it is their only way in,
    SignInIdentity.DoesNotExist when it is not theirs."""
    identity = user.sign_in_identities.get(pk=identity_id)
    if not can_unlink(user, identity):
        raise Refused(_("This is the only way into your account, so it stays linked."))
    identity.delete()
    return identity


def label_of(identity: SignInIdentity) -> str:
    config = settings.PULSERX_OIDC_PROVIDERS.get(identity.provider)
    return config.label if config else identity.provider


LINK_SALT = "pulserx.accounts.sso.link"
LINK_FOR = timedelta(hours=1)


def link_token(request: HttpRequest) -> str:
    """What Settings' "Link <provider>" carries: this signed-in session asked for it (a page
    elsewhere cannot make the browser link an account the person did not choose)."""
    return signing.dumps(request.user.pk, salt=f"{LINK_SALT}:{request.session.session_key}")


def is_link_token(request: HttpRequest, token: str) -> bool:
    if not request.user.is_authenticated:
        return False
    try:
        user_id = signing.loads(token, salt=f"{LINK_SALT}:{request.session.session_key}",
                                max_age=LINK_FOR)
    except signing.BadSignature:
        return False
    return bool(user_id == request.user.pk)


def settings_context(request: HttpRequest) -> dict[str, Any]:
    """Settings → Sign in with other accounts: what is linked, and what could be."""
    user = request.user
    assert isinstance(user, User)
    linked = list(user.sign_in_identities.order_by("created_at", "pk"))
    return {
        "sign_in_identities": [(identity, label_of(identity), can_unlink(user, identity))
                               for identity in linked],
        "sso_providers": list(settings.PULSERX_OIDC_PROVIDERS.values()),
        "sso_link_token": link_token(request) if settings.PULSERX_OIDC_PROVIDERS else "",
    }
