"""Passkeys (WebAuthn, through py_webauthn): a key pair on the user's device or in their
password manager that signs them in, with no password.

- The relying party is the site: its id is the host name of the public address
  (`siteurl.site_url`: SITE_URL) unless PULSERX_PASSKEY_RP_ID names another (a parent domain,
  so passkeys keep working on every host under it); answers must come from SITE_URL's origin.
- Every ceremony's challenge is kept server-side, in the session, one per ceremony: it is good
  once (taking it marks it used, whatever the outcome) and for `CHALLENGE_FOR`.
- Passkeys are made discoverable (resident) with user verification required: the device
  checks a PIN, fingerprint or face, so a passkey is two factors at once and signs in fully.
  Sign-in asks for any of the site's passkeys (usernameless); as the second step after a
  password, for one of that user's.
- Every refusal is a `PasskeyRefused` with a message for the person; it carries the passkey
  when one was named, so the caller can count the failure against its account.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    bytes_to_base64url,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorData,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    ClientDataType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from pulserx.accounts.models import Passkey, User
from pulserx.siteurl import site_url

CHALLENGES_KEY = "pulserx_passkey_challenges"
CHALLENGE_FOR = timedelta(minutes=5)
RP_NAME = "PulseRx"
MAX_CREDENTIAL_ID = 1023  # bytes (WebAuthn's limit; Passkey.credential_id holds its base64url)
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


class Ceremony(StrEnum):
    REGISTER = "register"
    SIGN_IN = "sign_in"  # usernameless, a full sign-in
    SECOND_STEP = "second_step"  # after the password, instead of the code


class PasskeyRefused(Exception):
    """A passkey answer not accepted; `str()` is the message for the person."""

    def __init__(self, message: str, passkey: Passkey | None = None) -> None:
        super().__init__(message)
        self.passkey = passkey


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str


def relying_party(request: HttpRequest) -> RelyingParty:
    url = urlsplit(site_url(request))
    origin = f"{url.scheme}://{url.netloc}"
    return RelyingParty(rp_id=settings.PULSERX_PASSKEY_RP_ID or url.hostname or "", origin=origin)


# --- challenges -------------------------------------------------------------------------------

def issue_challenge(request: HttpRequest, ceremony: Ceremony, **extra: Any) -> bytes:
    """A new challenge for `ceremony` in this browser (replacing any earlier one)."""
    challenge = secrets.token_bytes(32)
    records = dict(request.session.get(CHALLENGES_KEY) or {})
    records[ceremony] = {"challenge": bytes_to_base64url(challenge), "issued": time.time(),
                         "used": False, **extra}
    request.session[CHALLENGES_KEY] = records
    return challenge


def take_challenge(request: HttpRequest, ceremony: Ceremony) -> dict[str, Any]:
    """The challenge this browser was given for `ceremony`, marked used (a second answer to it
    is refused); raises PasskeyRefused when there is none, it was used, or it expired."""
    records = dict(request.session.get(CHALLENGES_KEY) or {})
    record = records.get(ceremony)
    if not isinstance(record, dict):
        raise PasskeyRefused(_("No passkey request was waiting in this browser. Try again."))
    if record.get("used"):
        raise PasskeyRefused(_("That passkey request was already used. Try again."))
    records[ceremony] = {**record, "used": True}
    request.session[CHALLENGES_KEY] = records
    if time.time() - float(record["issued"]) > CHALLENGE_FOR.total_seconds():
        raise PasskeyRefused(_("The passkey request expired. Try again."))
    return record


# --- checks both ceremonies share -------------------------------------------------------------

def check_client_data(raw: bytes, kind: ClientDataType, record: dict[str, Any],
                      rp: RelyingParty) -> None:
    try:
        client_data = parse_client_data_json(raw)
    except Exception as unreadable:  # py_webauthn raises several kinds for bad JSON
        raise PasskeyRefused(unreadable_message()) from unreadable
    if client_data.type != kind or bytes_to_base64url(client_data.challenge) != record["challenge"]:
        raise PasskeyRefused(_("That passkey answer is not for the request on this page. "
                               "Try again."))
    if client_data.origin != rp.origin:
        raise PasskeyRefused(wrong_site_message())


def check_authenticator_data(data: AuthenticatorData, rp: RelyingParty) -> None:
    if data.rp_id_hash != sha256(rp.rp_id.encode()).digest():
        raise PasskeyRefused(wrong_site_message())
    if not (data.flags.up and data.flags.uv):
        raise PasskeyRefused(_("The device did not check that it is you (with a PIN, "
                               "fingerprint or face). Try again."))


def unknown_message() -> str:
    return _("That passkey is not known here: it may have been removed. Sign in with your "
             "password.")


def unreadable_message() -> str:
    return _("The browser's passkey answer could not be read. Try again.")


def wrong_site_message() -> str:
    return _("That passkey answer was made for another website. Nothing was signed in.")


def not_verified_message() -> str:
    return _("The passkey's signature could not be verified. Nothing was signed in.")


# --- adding a passkey -------------------------------------------------------------------------

def user_handle_of(user: User) -> bytes:
    """The WebAuthn user handle: random, the same for all of a user's passkeys."""
    existing = user.passkeys.values_list("user_handle", flat=True).first()
    return bytes(existing) if existing is not None else secrets.token_bytes(32)


def descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id),
        transports=[AuthenticatorTransport(t) for t in passkey.transports if t in TRANSPORTS])
        for passkey in user.passkeys.order_by("pk")]


def registration_options(request: HttpRequest, user: User, name: str) -> str:
    """Options (JSON) for navigator.credentials.create(): a discoverable credential, the user
    verified, none of the user's existing passkeys made again."""
    rp = relying_party(request)
    handle = user_handle_of(user)
    challenge = issue_challenge(request, Ceremony.REGISTER, user=user.pk, name=name,
                                handle=bytes_to_base64url(handle))
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=RP_NAME, user_name=user.email, user_id=handle,
        user_display_name=user.get_full_name() or user.email, challenge=challenge,
        timeout=int(CHALLENGE_FOR.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=descriptors(user))
    return options_to_json(options)


def register(request: HttpRequest, user: User, credential_json: str) -> Passkey:
    """Check the browser's answer to `registration_options` and keep the new passkey."""
    record = take_challenge(request, Ceremony.REGISTER)
    if record.get("user") != user.pk:
        raise PasskeyRefused(_("That passkey request was for another account. Try again."))
    rp = relying_party(request)
    try:
        credential = parse_registration_credential_json(credential_json)
        attestation = parse_attestation_object(credential.response.attestation_object)
    except Exception as unreadable:
        raise PasskeyRefused(unreadable_message()) from unreadable
    check_client_data(credential.response.client_data_json, ClientDataType.WEBAUTHN_CREATE,
                      record, rp)
    check_authenticator_data(attestation.auth_data, rp)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(record["challenge"]),
            expected_rp_id=rp.rp_id, expected_origin=rp.origin,
            require_user_verification=True)
    except WebAuthnException as refused:
        raise PasskeyRefused(not_verified_message()) from refused
    if len(verified.credential_id) > MAX_CREDENTIAL_ID:
        raise PasskeyRefused(unreadable_message())
    try:
        with transaction.atomic():
            return Passkey.objects.create(
                user=user, name=record["name"],
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key, sign_count=verified.sign_count,
                transports=[str(t.value) for t in credential.response.transports or []],
                user_handle=base64url_to_bytes(record["handle"]))
    except IntegrityError as known:
        raise PasskeyRefused(_("That passkey is already added to an account.")) from known


# --- signing in -------------------------------------------------------------------------------

def authentication_options(request: HttpRequest, ceremony: Ceremony,
                           user: User | None = None) -> str:
    """Options (JSON) for navigator.credentials.get(): any of the site's passkeys (empty
    allowCredentials: the device offers what it has), or `user`'s; the user verified."""
    rp = relying_party(request)
    challenge = issue_challenge(request, ceremony, user=user.pk if user else None)
    options = generate_authentication_options(
        rp_id=rp.rp_id, challenge=challenge, timeout=int(CHALLENGE_FOR.total_seconds() * 1000),
        allow_credentials=descriptors(user) if user else [],
        user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options)


def authenticate(request: HttpRequest, ceremony: Ceremony, credential_json: str,
                 user: User | None = None) -> Passkey:
    """The passkey that answered this browser's `ceremony` challenge, its use recorded;
    with `user`, it must be one of theirs. Raises PasskeyRefused."""
    try:
        credential = parse_authentication_credential_json(credential_json)
    except Exception as unreadable:
        take_challenge(request, ceremony)  # an answer, even unreadable, uses the challenge
        raise PasskeyRefused(unreadable_message()) from unreadable
    passkey = (Passkey.objects.select_related("user")
               .filter(credential_id=bytes_to_base64url(credential.raw_id),
                       user__is_active=True).first())
    try:
        record = take_challenge(request, ceremony)
        check_assertion(request, credential, passkey, record, user)
    except PasskeyRefused as refused:
        refused.passkey = passkey
        raise
    assert passkey is not None
    return passkey


def check_assertion(request: HttpRequest, credential: AuthenticationCredential,
                    passkey: Passkey | None, record: dict[str, Any], user: User | None) -> None:
    if passkey is None or (user is not None and passkey.user_id != user.pk):
        raise PasskeyRefused(unknown_message())
    handle = credential.response.user_handle
    if handle and bytes(handle) != bytes(passkey.user_handle):
        raise PasskeyRefused(unknown_message())
    rp = relying_party(request)
    check_client_data(credential.response.client_data_json, ClientDataType.WEBAUTHN_GET,
                      record, rp)
    try:
        data = parse_authenticator_data(credential.response.authenticator_data)
    except Exception as unreadable:
        raise PasskeyRefused(unreadable_message()) from unreadable
    check_authenticator_data(data, rp)
    if (data.sign_count or passkey.sign_count) and data.sign_count <= passkey.sign_count:
        raise PasskeyRefused(counter_message())
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(record["challenge"]),
            expected_rp_id=rp.rp_id, expected_origin=rp.origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except WebAuthnException as refused:
        raise PasskeyRefused(not_verified_message()) from refused
    # One statement: of two answers racing with the same counter, only one moves it. A
    # passkey without a counter (synced ones report 0 every time) has nothing to race on.
    rows = Passkey.objects.filter(pk=passkey.pk)
    if verified.new_sign_count:
        rows = rows.filter(sign_count__lt=verified.new_sign_count)
    if not rows.update(sign_count=verified.new_sign_count, last_used_at=timezone.now()):
        raise PasskeyRefused(counter_message())


def counter_message() -> str:
    return _("That passkey's use counter went backwards, a sign it may have been copied. It "
             "was not accepted; sign in with your password and check your passkeys in "
             "Settings.")


# --- Settings ---------------------------------------------------------------------------------

def settings_context(user: User) -> dict[str, Any]:
    """What Settings → Passkeys shows."""
    return {"passkeys": list(user.passkeys.order_by("created_at", "pk"))}
