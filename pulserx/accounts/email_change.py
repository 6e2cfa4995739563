"""Changing the address an account signs in with (Settings → Email address).

The person gives the new address and their password. Nothing changes yet: a link goes to the
new address, and the old one stays the sign-in address until the link is opened. The link is
signed and expires as the verification link does (`verification.VERIFY_MAX_AGE`); it names the
address it moves from and the key of the request (`PendingEmailChange`), so it works once,
stops when the account's address changes otherwise, and stops when a new request replaces it.

The notice to the old address carries an undo link (`UNDO_FOR`, two weeks): whoever changed
the address knew the password and may have added a way in of their own, so undoing puts the old
address back, replaces the password with one nobody knows (every browser is signed out and
every API token ends, as with any new password), removes the passkeys, linked sign-in
providers and two-step devices, and sends the old address a link to set a new password: the
mailbox the link reached is the one thing the other person did not hold. It works while the
account still signs in with the address it was moved to, and not once another account has taken
the old one.

An address another account already has gets a short note instead of a link, and the page says
the same as for any address: asking does not tell anyone who has an account here. Opening the
link checks again (another account may have taken the address meanwhile). Once confirmed, the
new address counts as verified and the old one is told, in the account's language.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pulserx.accounts import emails
from pulserx.accounts.models import (
    Passkey,
    PendingEmailChange,
    SignInIdentity,
    User,
    new_token,
)
from pulserx.accounts.verification import VERIFY_MAX_AGE

_SALT = "pulserx.accounts.change-email"
_UNDO_SALT = "pulserx.accounts.undo-email-change"
UNDO_FOR = timedelta(days=14)


class ChangeUnavailable(Exception):
    """The link is forged, expired, used, replaced, or its account's address changed since."""


class AddressTaken(ChangeUnavailable):
    """Another account has had the new address since the link was sent."""


@dataclass(frozen=True)
class ConfirmedChange:
    user: User
    old_email: str


def is_taken(email: str, by_other_than: User) -> bool:
    """Whether another account signs in with `email`, whatever its letter case (as sign-up
    compares)."""
    return User.objects.filter(email__iexact=email).exclude(pk=by_other_than.pk).exists()


def pending_change(user: User) -> PendingEmailChange | None:
    """The change `user` asked for whose link still works, if any."""
    change = PendingEmailChange.objects.filter(user=user).first()
    if change is None or change.requested_at < timezone.now() - VERIFY_MAX_AGE:
        return None
    return change


def change_token(change: PendingEmailChange) -> str:
    return signing.dumps({"user": change.user_id, "was": change.user.email.lower(),
                          "email": change.email, "key": change.key}, salt=_SALT)


def confirm_url(change: PendingEmailChange, site: str = "") -> str:
    """`site`: the address links point at (`siteurl.site_url(request)`); SITE_URL if empty."""
    token = change_token(change)
    return (site or settings.SITE_URL) + reverse("confirm_email_change", kwargs={"token": token})


def request_change(user: User, new_email: str, site: str = "") -> bool:
    """Ask to move `user` to `new_email` (normalised, not their own, checked by the form):
    the request replaces any earlier one, and the new address gets the link, or, when another
    account has it, a note saying so. False when the mail server refused the message (and
    then nothing is kept)."""
    with transaction.atomic():
        change, _ = PendingEmailChange.objects.update_or_create(
            user=user, defaults={"email": new_email, "key": new_token(),
                                 "requested_at": timezone.now()})
        other = User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).first()
        if other is not None:
            sent = emails.send_words(other, "email_change_taken", {
                "sign_in_url": (site or settings.SITE_URL) + reverse("login")})
        else:
            sent = emails.send_words(user, "email_change_link", {
                "url": confirm_url(change, site), "days": VERIFY_MAX_AGE.days},
                to=new_email)
        if not sent:
            transaction.set_rollback(True)
    return sent


def cancel_change(user: User) -> bool:
    """Forget the pending change (its link stops working); False when there was none."""
    deleted, _ = PendingEmailChange.objects.filter(user=user).delete()
    return bool(deleted)


def read_token(token: str) -> dict[str, Any]:
    """The signed facts of a change link, or ChangeUnavailable."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        raise ChangeUnavailable("bad or expired") from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) or not all(
            isinstance(data.get(name), str) for name in ("was", "email", "key")):
        raise ChangeUnavailable("malformed")
    return data


def pending_of(data: dict[str, Any]) -> PendingEmailChange:
    """The request a change link was sent for, while it still stands, or ChangeUnavailable."""
    change = (PendingEmailChange.objects.select_related("user")
              .filter(user_id=data["user"], key=data["key"], email=data["email"]).first())
    if change is None or change.user.email.lower() != data["was"]:
        raise ChangeUnavailable("used or replaced")
    return change


def check_link(token: str) -> PendingEmailChange:
    """The change the link would make now (nothing is written), or ChangeUnavailable."""
    change = pending_of(read_token(token))
    if is_taken(change.email, by_other_than=change.user):
        raise AddressTaken("taken")
    return change


def confirm(token: str, site: str = "") -> ConfirmedChange:
    """Make the link's address the account's sign-in address, verified; the link then stops
    working. Raises ChangeUnavailable (AddressTaken when another account has the address
    now) and changes nothing. Other signed-in browsers stay signed in: the address is not a
    secret they hold (a new password is), and the notice to the old address is the alarm."""
    data = read_token(token)
    try:
        with transaction.atomic():
            # One confirmation at a time per account: a second use of the link waits here,
            # then finds its request gone.
            User.objects.select_for_update().filter(pk=data["user"]).first()
            change = pending_of(data)
            user = change.user
            if is_taken(change.email, by_other_than=user):
                raise AddressTaken("taken")
            old_email = user.email
            user.email, user.email_verified = change.email, True
            user.save(update_fields=["email", "username", "email_verified"])
            change.delete()
    except IntegrityError:  # the address got an account a moment ago
        raise AddressTaken("taken") from None
    emails.send_words(user, "email_changed", {
        "new_email": masked(user.email), "undo_url": undo_url(user, old_email, site),
        "undo_days": UNDO_FOR.days}, to=old_email)
    return ConfirmedChange(user, old_email)


# --- undoing a change from the old address ----------------------------------------------------

@dataclass(frozen=True)
class Undo:
    user: User
    back_to: str  # the address the account signed in with before


def undo_url(user: User, old_email: str, site: str = "") -> str:
    token = signing.dumps({"user": user.pk, "back": old_email, "from": user.email.lower()},
                          salt=_UNDO_SALT)
    return (site or settings.SITE_URL) + reverse("undo_email_change", kwargs={"token": token})


def check_undo(token: str) -> Undo:
    """What the undo link would do now (nothing is written), or ChangeUnavailable (forged,
    expired, done, or the address moved on since) or AddressTaken (another account signs in
    with the old address now)."""
    try:
        data = signing.loads(token, salt=_UNDO_SALT, max_age=UNDO_FOR)
    except signing.BadSignature:
        raise ChangeUnavailable("bad or expired") from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) or not all(
            isinstance(data.get(name), str) for name in ("back", "from")):
        raise ChangeUnavailable("malformed")
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    if user is None or user.email.lower() != data["from"]:
        raise ChangeUnavailable("done or moved on")
    if is_taken(data["back"], by_other_than=user):
        raise AddressTaken("taken")
    return Undo(user, data["back"])


def undo(token: str) -> Undo:
    """Put the old address back (verified: the link reached it), replace the password with a
    random one, which signs every browser out and ends the API tokens (`password_changed`),
    and remove every other way in. Raises as `check_undo` and changes nothing then; a second
    use finds the address back and is refused."""
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=check_undo(token).user.pk).first()
            found = check_undo(token)  # again, under the lock
            user = found.user
            user.email, user.email_verified = found.back_to, True
            user.set_password(secrets.token_urlsafe(32))
            user.save()
            PendingEmailChange.objects.filter(user=user).delete()
            Passkey.objects.filter(user=user).delete()
            SignInIdentity.objects.filter(user=user).delete()
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
    except IntegrityError:
        raise AddressTaken("taken") from None
    return found


def masked(email: str) -> str:
    """An address as the notice to the old one writes it: enough for its owner to recognise
    it, not a new address handed to whoever reads an old mailbox ("n…@example.org")."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"
