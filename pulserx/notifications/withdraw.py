"""A recorded dose's reminders are withdrawn everywhere they were shown.

Whoever records a dose (the person, or one of the carers who give), the others stop being
asked to: the open toast of every page goes with the dose's live event (`reminders.actions`
publishes it to the person and to every carer watching their day, givers included), and the
Web Push notification already on each reminded device (the person's and each giver's) is
replaced, through its tag `dose-<id>`, by a silent one saying who recorded it ("Given by
Ana at 08:05"). Pushes not yet sent are not sent at all (`transports.base`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from celery import shared_task
from django.db import transaction

from pulserx.notifications.models import (
    Channel,
    Delivery,
    NotificationKind,
    PushSubscription,
)
from pulserx.notifications.render import medication_label
from pulserx.notifications.tasks import QUEUES
from pulserx.reminders.given import given_words
from pulserx.reminders.models import Dose

logger = logging.getLogger("pulserx.delivery")

# The notifications that ask someone to act on a dose: withdrawn once it is recorded.
REMINDING_KINDS = (NotificationKind.REMINDER, NotificationKind.REALERT,
                   NotificationKind.GIVER_REMINDER)


def pushed_reminder_recipients(dose_id: int) -> list[int]:
    """Who had a push reminder of the dose sent, or on its way (an attempt was made)."""
    return sorted(set(Delivery.objects.filter(
        notification__dose_id=dose_id, notification__kind__in=REMINDING_KINDS,
        channel=Channel.PUSH, attempts__gt=0,
    ).values_list("notification__recipient_id", flat=True)))


def withdraw_on_record(sender: object, dose: Dose, **kwargs: Any) -> None:
    """`dose_recorded`: once the record commits, replace the pushed reminders of the dose
    on every device that has one (ids travel, the words are made by the task)."""
    recipients = pushed_reminder_recipients(dose.pk)
    if not recipients:
        return
    transaction.on_commit(lambda: withdraw_pushes.apply_async(
        (dose.pk, recipients), queue=QUEUES[Channel.PUSH]))


def withdrawn_payload(dose: Dose) -> dict[str, Any]:
    """The push that replaces a dose's reminder: same tag, no buttons, silent."""
    medication = dose.medication
    return {
        "id": None, "kind": "withdrawn", "dose_id": dose.pk, "tag": f"dose-{dose.pk}",
        "title": medication_label(medication.name if medication else None,
                                  medication.strength if medication else ""),
        "body": given_words(dose), "actions": [], "url": "/", "silent": True,
    }


@shared_task(acks_late=True, ignore_result=True)
def withdraw_pushes(dose_id: int, recipient_ids: list[int]) -> int:
    """Send the replacing push to every subscription of the recipients; best effort (a
    device that misses it keeps a reminder whose buttons answer "already recorded").
    Returns how many subscriptions accepted it."""
    from pulserx.notifications.push_services import checked_endpoint
    from pulserx.notifications.transports.base import TransportError
    from pulserx.notifications.transports.webpush import WebPushTransport, vapid_signer

    dose = Dose.objects.select_related("medication", "patient", "acted_by").filter(
        pk=dose_id).first()
    if dose is None:
        return 0
    try:
        signer = vapid_signer()
    except TransportError:
        return 0
    data = json.dumps(withdrawn_payload(dose), separators=(",", ":")).encode()
    transport = WebPushTransport()
    accepted = 0
    for subscription in PushSubscription.objects.filter(user_id__in=recipient_ids):
        if checked_endpoint(subscription.endpoint):
            accepted += transport.push(signer, subscription, data, "normal") is True
    logger.info("dose %s: reminder withdrawn on %d push subscriptions", dose_id, accepted)
    return accepted
