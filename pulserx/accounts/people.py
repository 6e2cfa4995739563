"""People without a login: a child, a parent with dementia, a care-home resident whose
carers give the dose.

Such a person is an ordinary `Patient` whose `User` cannot sign in: no usable password, an
unverified internal address under the reserved `.invalid` domain (which no mail server
delivers to; PulseRx also never addresses mail to it, see `can_receive_mail`), and their
name in `first_name`. The carer who adds them gets an accepted care link with the role
*manages*, so every page, feed and reminder that keys on a patient and their care team
works for them unchanged.

Later the manager may give the person their own login: a signed, expiring link emailed to
the person's real address lets them choose a password, which sets that address (verified)
on the same account — their whole record stays theirs, and the care team stays.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import time, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from pulserx.accounts.models import (
    AccountType,
    CareLink,
    CareLinkStatus,
    CareRole,
    Patient,
    User,
)
from pulserx.accounts.zones import validate_timezone
from pulserx.reminders.routine import set_routine

log = logging.getLogger(__name__)

# RFC 2606 reserves .invalid: an address under it can never receive mail.
INTERNAL_DOMAIN = "people.invalid"
LOGIN_INVITE_MAX_AGE = timedelta(days=3)
_SALT = "pulserx.accounts.person-login"


def is_internal_address(email: str) -> bool:
    """Whether `email` is the placeholder of a person without a login."""
    return email.strip().lower().endswith("@" + INTERNAL_DOMAIN)


def can_receive_mail(email: str) -> bool:
    """False for the placeholder address of a person without a login (and for no address)."""
    return bool(email) and not is_internal_address(email)


def is_without_login(user: User) -> bool:
    """A person someone looks after who has no login of their own (yet)."""
    return is_internal_address(user.email) and not user.has_usable_password()


@dataclass(frozen=True)
class Handover:
    """What becomes of a person without a login whom a leaving user alone manages:
    `to` manages them from then on, or, with nobody else on their team, their record goes
    with the leaving account (nobody could ever reach it again)."""

    patient: Patient
    to: User | None


def handovers(user: User) -> list[Handover]:
    """The people without a login whom only `user` manages, and who takes each over: the
    member of their team with the highest role (gives before sees), longest on it."""
    found = []
    managed = (Patient.objects.filter(care_links__caregiver=user,
                                      care_links__status=CareLinkStatus.ACCEPTED,
                                      care_links__role=CareRole.MANAGES)
               .select_related("user").distinct().order_by("pk"))
    for patient in managed:
        if not is_without_login(patient.user):
            continue
        others = list(CareLink.objects.filter(patient=patient, status=CareLinkStatus.ACCEPTED,
                                              caregiver__isnull=False)
                      .exclude(caregiver=user).select_related("caregiver"))
        if any(link.role == CareRole.MANAGES for link in others):
            continue
        others.sort(key=lambda link: (-CareRole(link.role).rank, link.created_at, link.pk))
        found.append(Handover(patient, others[0].caregiver if others else None))
    return found


def create_person(creator: User, name: str, zone: str,
                  routine: dict[str, time] | None = None) -> Patient:
    """Add a person `creator` looks after: a patient who cannot sign in, with `creator` on
    their care team as the one who manages; `routine`: their day's moments by anchor name
    (the defaults otherwise). Raises ValidationError for a zone that is not an IANA time
    zone (nothing is saved)."""
    validate_timezone(zone)
    with transaction.atomic():
        user = User(email=f"person-{secrets.token_hex(12)}@{INTERNAL_DOMAIN}",
                    first_name=name.strip(), account_type=AccountType.PATIENT,
                    email_verified=False, language=creator.language,
                    clock_format=creator.clock_format,
                    language_clock_format=creator.language_clock_format)
        user.set_unusable_password()
        user.save()
        patient = Patient.objects.create(user=user, timezone=zone)
        CareLink.objects.create(patient=patient, caregiver=creator,
                                invited_email=creator.email.lower(),
                                status=CareLinkStatus.ACCEPTED, role=CareRole.MANAGES)
        if routine:
            set_routine(patient, **routine)
    return patient


def login_invite_token(patient: Patient, email: str) -> str:
    """A token for `email` to become the sign-in of `patient`'s account. It names the
    placeholder address too, so it works once: the account's address changes with its use."""
    return signing.dumps({"patient": patient.pk, "user": patient.user_id,
                          "was": patient.user.email.lower(), "email": email.strip().lower()},
                         salt=_SALT)


def login_invite_url(patient: Patient, email: str, site: str = "") -> str:
    token = login_invite_token(patient, email)
    return (site or settings.SITE_URL) + reverse("person_login", kwargs={"token": token})


class LoginInviteUnavailable(Exception):
    """The link is forged, expired, already used, or its address now has an account."""


def login_invite_target(token: str) -> tuple[User, str]:
    """(the account without a login, the address it will sign in with) of a valid link."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=LOGIN_INVITE_MAX_AGE)
    except signing.BadSignature:
        raise LoginInviteUnavailable("bad or expired") from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) \
            or not isinstance(data.get("patient"), int) or not isinstance(data.get("email"), str):
        raise LoginInviteUnavailable("malformed")
    user = User.objects.filter(pk=data["user"], patient__pk=data["patient"]).first()
    if user is None or user.email.lower() != data.get("was") or not is_without_login(user):
        raise LoginInviteUnavailable("used")
    if User.objects.filter(email__iexact=data["email"]).exists():
        raise LoginInviteUnavailable("taken")
    return user, data["email"]


def give_login(user: User, email: str, password: str) -> User:
    """The person's account becomes a normal patient account signing in with `email` (which
    their following the emailed link proved theirs) and `password`."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not is_without_login(locked):
            raise LoginInviteUnavailable("used")
        locked.email = email
        locked.email_verified = True
        locked.set_password(password)
        locked.save()
    return locked


def send_login_invite(patient: Patient, email: str, sender: User, site: str = "") -> bool:
    """Email `email` the link to choose a password; False when the mail server refused it."""
    if not can_receive_mail(email):
        return False
    context = {"sender": sender.get_full_name() or sender.email,
               "name": patient.user.first_name,
               "url": login_invite_url(patient, email, site),
               "days": LOGIN_INVITE_MAX_AGE.days}
    subject = render_to_string("accounts/email/person_login_subject.txt", context).strip()
    body = render_to_string("accounts/email/person_login.txt", context)
    try:
        send_mail(subject, body, None, [email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("login invitation for patient %s not sent: %s", patient.pk,
                    type(exc).__name__)
        return False
    return True
