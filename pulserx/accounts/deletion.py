"""Deleting an account: asked for with the password, then a grace period during which
signing in cancels it, then a purge of every row of theirs.

The purge relies on the foreign keys: everything a user or their patient profile owns
(doses, inbox, deliveries, channels, push subscriptions, tokens, care links, access records)
goes with them by CASCADE, and what they did to other people's rows (a dose a caregiver
recorded) keeps the row and forgets the author (SET_NULL). Sessions and sign-in lockout
records name the user without a foreign key, so they are removed here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from pulserx.accounts import emails
from pulserx.accounts.access_log import expired_records
from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, User
from pulserx.accounts.people import can_receive_mail, handovers
from pulserx.accounts.signed_in import forget_ended_sessions
from pulserx.live import inbox_group
from pulserx.notifications.sessions import close_sockets

# English here; said in the reader's language where it is shown.
CANCELLED_MESSAGE = gettext_noop("Welcome back: signing in cancelled the deletion of your "
                                 "account. Nothing was deleted. To delete it after all, ask "
                                 "again in Settings.")


def request_deletion(user: User, now: datetime | None = None) -> datetime:
    """Mark `user` for deletion after the grace period and end their sessions everywhere,
    so that only a new sign-in (which cancels) lets them back in; returns when the purge
    may run."""
    user.delete_after = (now or timezone.now()) + settings.PULSERX_DELETION_GRACE
    with transaction.atomic():
        user.save(update_fields=["delete_after"])
        Session.objects.filter(session_key__in=session_keys_of(user.pk)).delete()
        user_id = user.pk
        transaction.on_commit(lambda: close_sockets([inbox_group(user_id)]))
    return user.delete_after


def cancel_on_sign_in(sender: object, request: HttpRequest | None, user: Any,
                      **kwargs: Any) -> None:
    """A sign-in during the grace period takes the deletion back (user_logged_in)."""
    if getattr(user, "delete_after", None) is None:
        return
    User.objects.filter(pk=user.pk).update(delete_after=None)
    user.delete_after = None
    if request is not None and hasattr(request, "_messages"):
        messages.success(request, gettext(CANCELLED_MESSAGE))


def session_keys_of(user_id: int) -> list[str]:
    """Keys of the stored sessions signed in as `user_id` (the session row names its user
    only inside its encoded data)."""
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            keys.append(session.session_key)
    return keys


def people_to_tell(user: User) -> list[User]:
    """Everyone at the other end of an accepted care link of `user` who can receive mail:
    the caregivers of their patient profile and the patients they look after."""
    links = (CareLink.objects.filter(status=CareLinkStatus.ACCEPTED, caregiver__isnull=False)
             .filter(Q(patient__user=user) | Q(caregiver=user))
             .select_related("caregiver", "patient__user"))
    others = [link.patient.user if link.caregiver_id == user.pk else link.caregiver
              for link in links]
    return [other for other in others
            if other is not None and other.pk != user.pk and can_receive_mail(other.email)]


def purge_account(user: User) -> None:
    """Remove every row of `user`, then tell the people they were linked with that the
    link ended. A person without a login whom only `user` managed is handed over to the
    next member of their team, or, with nobody left on it, purged too."""
    name = user.get_full_name() or user.email
    tell = people_to_tell(user)
    handed = handovers(user)
    username = user.email.strip().lower()
    with transaction.atomic():
        Session.objects.filter(session_key__in=session_keys_of(user.pk)).delete()
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=username).delete()
        for handover in handed:
            if handover.to is None:
                handover.patient.user.delete()
            else:
                CareLink.objects.filter(patient=handover.patient, caregiver=handover.to).update(
                    role=CareRole.MANAGES)
        user.delete()
    for other in tell:
        send_link_ended(other, name)
    for handover in handed:
        if handover.to is not None and can_receive_mail(handover.to.email):
            send_handed_over(handover.to, name, handover.patient.user.first_name)


def send_link_ended(reader: User, deleted_name: str) -> None:
    emails.send_words(reader, "link_ended", {"deleted_name": deleted_name})


def send_handed_over(reader: User, deleted_name: str, person: str) -> None:
    emails.send_words(reader, "handed_over", {"deleted_name": deleted_name, "person": person})


@dataclass(frozen=True)
class PurgeReport:
    accounts: int
    access_records: int
    sessions: int  # signed-in sessions that ended (expired) and were forgotten


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """The periodic job: accounts past their grace period, access records past
    PULSERX_ACCESS_LOG_DAYS, and sessions past their expiry."""
    now = now or timezone.now()
    due = list(User.objects.filter(delete_after__lte=now))
    for user in due:
        purge_account(user)
    records, _ = expired_records(now).delete()
    return PurgeReport(accounts=len(due), access_records=records,
                       sessions=forget_ended_sessions(now))
