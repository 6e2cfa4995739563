"""The dispatcher's refill step: claim due refill reminders, decide, deliver, release.

A refill reminder travels like a dose reminder: claimed with a lease (a worker killed
mid-batch leaves rows that are claimed again when the lease ends), delivered in the
transaction that writes its inbox row (unique per reminder: exactly once), then pushed live
and handed to the slow channels the patient chose. Quiet hours hold the whole reminder back
until they end: a refill is never urgent at night.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction

from pulserx.dispatch import fanout
from pulserx.dispatch.claims import claim_due_refills
from pulserx.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    PushSubscription,
    medication_of,
)
from pulserx.notifications.sending import lease_for
from pulserx.notifications.tasks import enqueue_deliveries
from pulserx.reminders.clock import reader_of
from pulserx.reminders.models import RefillReminder
from pulserx.reminders.refills import RefillAction, RefillDecision, decide_refill

logger = logging.getLogger("pulserx.dispatch")


def deliver_due_refills(now: datetime) -> int:
    """Deliver every refill reminder due at `now`; returns how many reached an inbox."""
    delivered = 0
    while True:
        token, ids = claim_due_refills(now, settings.PULSERX_CLAIM_BATCH,
                                       settings.PULSERX_LEASE)
        if not ids:
            return delivered
        delivered += deliver_refill_batch(token, now)


def deliver_refill_batch(token: str, now: datetime) -> int:
    """Deliver the refill reminders claimed under `token` and release them."""
    with transaction.atomic():
        reminders = list(RefillReminder.objects.select_for_update(of=("self",))
                         .filter(claim_token=token)
                         .select_related("medication__schedule", "medication__patient__user"))
        decided = one_per_medication((r, decide_refill(r, now)) for r in reminders)
        notifications = [Notification(recipient_id=r.medication.patient.user_id,
                                      patient_id=r.patient_id, refill=r, created_at=now,
                                      kind=NotificationKind.REFILL)
                         for r, d in decided if d.action == RefillAction.DELIVER]
        Notification.objects.bulk_create(notifications)
        plan_refill_deliveries(notifications, now)
        release(decided, now)
        # Worded for the patient: their language (the refill's own facts carry its clock).
        events = [fanout.notification_event(n, None, reader_of(n.refill.medication.patient.user))
                  for n in notifications if n.refill is not None]
    fanout.publish_after_commit(events)
    if reminders:
        logger.info("refill reminders: %d claimed, %d delivered", len(reminders),
                    len(notifications))
    return len(notifications)


def one_per_medication(decided: Iterable[tuple[RefillReminder, RefillDecision]]
                       ) -> list[tuple[RefillReminder, RefillDecision]]:
    """Never two refill reminders for one medication at once (both stages came due
    together, say after downtime): the first is delivered, the rest count as sent."""
    seen: set[int] = set()
    result = []
    for reminder, decision in decided:
        if decision.action == RefillAction.DELIVER:
            if reminder.medication_id in seen:
                decision = RefillDecision(RefillAction.DROP, now_sent=True)
            seen.add(reminder.medication_id)
        result.append((reminder, decision))
    return result


def plan_refill_deliveries(notifications: list[Notification], now: datetime) -> None:
    """The inbox row is the web delivery; push and email as the patient chose."""
    fanout.record_web_deliveries([n.pk for n in notifications], now)
    recipients = {n.recipient_id for n in notifications}
    pushable = set(PushSubscription.objects.filter(user_id__in=recipients)
                   .values_list("user_id", flat=True).distinct())
    lease = now + settings.PULSERX_DELIVERY_LEASE
    deliveries = []
    for notification in notifications:
        patient = notification.refill.patient if notification.refill else None
        assert patient is not None
        if patient.notify_push and notification.recipient_id in pushable:
            deliveries.append(Delivery(notification=notification, channel=Channel.PUSH,
                                       next_attempt_at=lease))
        if patient.notify_email:
            deliveries.append(Delivery(notification=notification, channel=Channel.EMAIL,
                                       next_attempt_at=lease))
    own = fanout.user_channels_of(recipients)
    deliveries += [Delivery(notification=notification, channel=target.kind, target=target,
                            next_attempt_at=now + lease_for(target.kind))
                   for notification in notifications
                   for target in own.get(notification.recipient_id, ())
                   if target.wants(notification.kind, medication_of(notification))]
    Delivery.objects.bulk_create(deliveries)
    pending = [(d.pk, d.channel, 0) for d in deliveries]
    if pending:
        transaction.on_commit(lambda: enqueue_deliveries(pending))


def release(decided: list[tuple[RefillReminder, RefillDecision]], now: datetime) -> None:
    for reminder, decision in decided:
        changes: dict[str, object] = {"lease_until": None, "claim_token": "",
                                      "next_action_at": None}
        if decision.action == RefillAction.DELIVER or decision.now_sent:
            changes["sent_at"] = now
        elif decision.action == RefillAction.REARM:
            changes.update(next_action_at=decision.at, due_at=decision.at)
        RefillReminder.objects.filter(pk=reminder.pk, claim_token=reminder.claim_token
                                      ).update(**changes)
