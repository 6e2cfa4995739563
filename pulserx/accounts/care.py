"""Care links: a patient invites a caregiver by email; the caregiver accepts with the link.

The link's token is the secret: whoever holds it and is signed in may accept it, once, unless
the patient revoked it or is the one holding it. Each link has a role (sees, gives, manages)
that the patient grants, changes and revokes; `patient_in_care` is the one rule every page,
the API and the feeds ask "may this user do this for this person?".
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.accounts.models import (
    AccountType,
    CareLink,
    CareLinkStatus,
    CareRole,
    Patient,
    User,
    new_token,
    patient_of,
)
from pulserx.notifications.models import Notification


class InviteUnavailable(Exception):
    """Why an invitation cannot be accepted, in words for the person holding the link."""

    def __init__(self, reason: str, status: int = 410) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class RoleRefused(ValueError):
    """A role that cannot be granted, in words for the patient."""


# Translators: "sees", "gives" and "manages" are the roles a caregiver may have.
ROLE_REFUSED = gettext_lazy("Choose what they may do: sees, gives or manages.")


def grantable_role(value: object) -> CareRole:
    """`value` as a role a patient may grant, or RoleRefused."""
    if not isinstance(value, str) or value not in CareRole.values:
        raise RoleRefused(str(ROLE_REFUSED))
    return CareRole(value)


def invite_caregiver(patient: Patient, email: str, role: CareRole = CareRole.SEES) -> CareLink:
    """Invite `email` to look after `patient` with `role`. A revoked invitation to the same
    address is re-opened with a new token, so the old link stays dead."""
    with transaction.atomic():
        link = (CareLink.objects.select_for_update()
                .filter(patient=patient, invited_email__iexact=email).first())
        if link is None:
            return CareLink.objects.create(patient=patient, invited_email=email, role=role)
        link.status, link.caregiver, link.token = CareLinkStatus.INVITED, None, new_token()
        link.role = role
        link.save(update_fields=["status", "caregiver", "token", "role"])
        return link


def set_role(link: CareLink, value: object) -> CareRole:
    """Change what the member of `link` may do; it holds from their next request on."""
    role = grantable_role(value)
    if link.status == CareLinkStatus.REVOKED:
        raise RoleRefused(_("This caregiver was revoked: invite them again to give a role."))
    CareLink.objects.filter(pk=link.pk).update(role=role)
    link.role = role
    return role


def care_role(user: User, patient_id: int) -> CareRole | None:
    """The role of `user` on `patient_id`'s care team, None when they are not on it."""
    role = (links_cared_for_by(user).filter(patient_id=patient_id)
            .values_list("role", flat=True).first())
    return CareRole(role) if role else None


def patient_in_care(user: User, patient_id: int, needs: CareRole = CareRole.SEES
                    ) -> Patient | None:
    """The person `patient_id` when `user` is that person, or an accepted member of their care
    team whose role allows `needs` (sees < gives < manages); None otherwise, which every
    caller answers as "no such person" (404). Read at each request, so a change of role or a
    revocation holds at once."""
    patient = Patient.objects.filter(pk=patient_id).select_related("user").first()
    if patient is None or not isinstance(user, User):
        return None
    if patient.user_id == user.pk:
        return patient
    role = care_role(user, patient_id)
    return patient if role is not None and role.allows(needs) else None


def may_record_for(user: User, patient_id: int, *, is_test: bool = False) -> bool:
    """Whether `user` may record a dose of `patient_id`: one of their own, or of a person
    they give to — never another person's test reminder. The one rule of the pages, the
    round, the push buttons and the email links."""
    patient = patient_in_care(user, patient_id, CareRole.GIVES)
    return patient is not None and (not is_test or patient.user_id == user.pk)


def check_acceptable(link: CareLink, user: User) -> None:
    """Raise InviteUnavailable unless `user` may accept `link` now."""
    if link.patient.user_id == user.pk:
        raise InviteUnavailable(
            _("This is your own invitation. Send the link to the person who will look after "
              "you."), status=403)
    if link.status == CareLinkStatus.REVOKED:
        raise InviteUnavailable(_("This invitation was withdrawn. Ask for a new one."))
    if link.status != CareLinkStatus.INVITED:
        raise InviteUnavailable(_("This invitation has already been used."))
    if links_cared_for_by(user).filter(patient_id=link.patient_id).exists():
        raise InviteUnavailable(_("You already look after this person."), status=409)
    if user.email.lower() != link.invited_email.lower():
        inviter = link.patient.user.get_full_name()
        if inviter:
            message = _("This invitation was sent to another address. Sign in with the account "
                        "of the address it was sent to, or ask %(name)s to invite this one.") % {
                "name": inviter}
        else:
            message = _("This invitation was sent to another address. Sign in with the account "
                        "of the address it was sent to, or ask the patient to invite this one.")
        raise InviteUnavailable(message, status=403)
    if not user.email_verified:
        raise InviteUnavailable(
            _("Confirm your email address first: open the link we emailed you, then come "
              "back to this page."), status=403)


def accept_invite(link: CareLink, user: User) -> None:
    """Make `user` the caregiver of `link`. The guarded UPDATE makes the link single-use
    even when two people press Accept at the same moment."""
    check_acceptable(link, user)
    won = CareLink.objects.filter(pk=link.pk, status=CareLinkStatus.INVITED).update(
        caregiver=user, status=CareLinkStatus.ACCEPTED)
    if not won:
        raise InviteUnavailable(_("This invitation has already been used."))


@transaction.atomic
def revoke(link: CareLink) -> None:
    """End the link; the caregiver also loses the alerts about this patient they already
    have (their inbox entries name medications)."""
    link.status = CareLinkStatus.REVOKED
    link.save(update_fields=["status"])
    if link.caregiver_id is not None:
        Notification.objects.filter(recipient_id=link.caregiver_id,
                                    patient_id=link.patient_id).delete()


def links_cared_for_by(user: User) -> QuerySet[CareLink]:
    """The accepted links through which `user` looks after someone."""
    return CareLink.objects.filter(caregiver=user, status=CareLinkStatus.ACCEPTED)


def pending_invites_for(user: User) -> QuerySet[CareLink]:
    """Invitations sent to `user`'s address that nobody has accepted yet."""
    return CareLink.objects.filter(invited_email__iexact=user.email,
                                   status=CareLinkStatus.INVITED).exclude(patient__user=user)


def caregivers_watching(patient_ids: set[int]) -> dict[int, list[int]]:
    """For each patient, the user ids of caregivers with an accepted link: they see the
    patient's day, so they hear of every change to it."""
    watching: dict[int, list[int]] = {}
    for patient_id, caregiver_id in CareLink.objects.filter(
        patient_id__in=patient_ids, status=CareLinkStatus.ACCEPTED, caregiver__isnull=False,
    ).values_list("patient_id", "caregiver_id"):
        watching.setdefault(patient_id, []).append(caregiver_id)
    return watching


def home_url(user: User) -> str:
    """Where a signed-in person starts: their day, the people they look after, or (staff
    who are neither patient nor caregiver) the admin."""
    if patient_of(user) is not None:
        return reverse("today")
    return reverse("admin:index") if is_staff_only(user) else reverse("care_home")


def is_staff_only(user: User) -> bool:
    """Staff who neither take medications here nor look after anyone."""
    return (user.is_staff and patient_of(user) is None
            and user.account_type != AccountType.CAREGIVER
            and not links_cared_for_by(user).exists() and not pending_invites_for(user).exists())
