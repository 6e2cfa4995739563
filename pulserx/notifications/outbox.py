"""Turning the dispatcher's decisions into inbox rows, deliveries and live events."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from pulserx.accounts.models import CareLink, CareLinkStatus
from pulserx.notifications import live
from pulserx.notifications.messages import DoseFacts, describe
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    PushSubscription,
    inbox_group,
)
from pulserx.reminders.claims import claim_due_deliveries
from pulserx.reminders.decide import Action, Decision
from pulserx.reminders.quiet import quiet_until

logger = logging.getLogger("pulserx.dispatch")
Row = dict[str, Any]
TASK_CHUNK = 50
_ALERT_KIND = {Action.REMIND: NotificationKind.REMINDER, Action.REALERT: NotificationKind.REALERT}
# What a caregiver's open page must hear of: the dose became due, or was missed.
_CHANGES_STATUS = (Action.REMIND, Action.MISS, Action.MISS_QUIETLY)


def dose_facts(row: Row) -> DoseFacts:
    return DoseFacts(
        medication=row["medication__name"], strength=row["medication__strength"] or "",
        form=row["medication__form"] or "", instructions=row["medication__instructions"] or "",
        amount=row["amount"],
        due_local=row["due_at"].astimezone(ZoneInfo(row["patient__timezone"])),
    )


def record(decided: list[tuple[Row, Decision]], now: datetime) -> list[live.Event]:
    """Write the inbox rows and deliveries for a batch (inside its transaction) and return
    the live events to publish once it commits."""
    sources: list[Row | None] = []
    notifications: list[Notification] = []

    def add(row: Row | None, **fields: Any) -> None:
        notifications.append(Notification(created_at=now, **fields))
        sources.append(row)

    missed: list[Row] = []
    away: Counter[tuple[int, int]] = Counter()
    for row, decision in decided:
        if decision.action in _ALERT_KIND:
            add(row, recipient_id=row["patient__user_id"], patient_id=row["patient_id"],
                dose_id=row["id"], kind=_ALERT_KIND[decision.action],
                sequence=row["alerts_sent"], late=decision.late,
                quiet_until=quiet_until_for(row, now))
        elif decision.action == Action.MISS and row["medication_id"] is not None:
            missed.append(row)  # a test reminder that nobody answered concerns nobody else
        elif decision.action == Action.MISS_QUIETLY:
            away[(row["patient_id"], row["patient__user_id"])] += 1
    for row, caregiver_id in caregivers_of(missed):
        add(row, recipient_id=caregiver_id, patient_id=row["patient_id"], dose_id=row["id"],
            kind=NotificationKind.CAREGIVER_MISSED)
    for (patient_id, user_id), count in away.items():
        add(None, recipient_id=user_id, patient_id=patient_id,
            kind=NotificationKind.MISSED_SUMMARY, count=count)
    Notification.objects.bulk_create(notifications, batch_size=1000)
    plan_deliveries(notifications, sources, now)
    events = [notification_event(n, row) for n, row in zip(notifications, sources, strict=True)]
    events += live.dose_events([dose_change(row, d) for row, d in decided
                                if d.action in _CHANGES_STATUS])
    return events


def caregivers_of(missed: list[Row]) -> Iterable[tuple[Row, int]]:
    if not missed:
        return
    links = CareLink.objects.filter(
        patient_id__in={row["patient_id"] for row in missed}, status=CareLinkStatus.ACCEPTED,
        alert_on_missed=True, caregiver__isnull=False,
    ).values_list("patient_id", "caregiver_id")
    by_patient: dict[int, list[int]] = {}
    for patient_id, caregiver_id in links:
        by_patient.setdefault(patient_id, []).append(caregiver_id)
    for row in missed:
        for caregiver_id in by_patient.get(row["patient_id"], []):
            yield row, caregiver_id


def plan_deliveries(notifications: list[Notification], sources: list[Row | None],
                    now: datetime) -> None:
    """A Delivery row per channel: the inbox row itself is the web delivery; push and email
    go to tasks, sent when the batch commits, with a lease that re-sends them if lost."""
    record_web_deliveries([n.pk for n in notifications], now)
    recipients = {n.recipient_id for n in notifications}
    pushable = set(PushSubscription.objects.filter(user_id__in=recipients)
                   .values_list("user_id", flat=True).distinct())
    lease = now + settings.PULSERX_LEASE
    deliveries = [Delivery(notification=notification, channel=channel,
                           next_attempt_at=notification.quiet_until or lease)
                  for notification, row in zip(notifications, sources, strict=True)
                  for channel in slow_channels(notification, row, pushable)]
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    supersede_held(notifications)
    pending = [d.pk for d in deliveries if d.notification.quiet_until is None]
    if pending:
        transaction.on_commit(lambda: enqueue(pending))


def supersede_held(notifications: list[Notification]) -> None:
    """A re-alert held back by quiet hours replaces the held-back alerts of its dose: when
    quiet hours end the patient hears of the dose once."""
    held = [n for n in notifications if n.quiet_until is not None and n.sequence > 0]
    if not held:
        return
    Delivery.objects.filter(
        notification__dose_id__in={n.dose_id for n in held},
        notification__sequence__lt=max(n.sequence for n in held),
        notification__quiet_until__isnull=False, status=DeliveryStatus.PENDING,
    ).update(status=DeliveryStatus.SKIPPED, next_attempt_at=None,
             last_error="replaced by a later reminder of the same dose")


def record_web_deliveries(notification_ids: list[int], now: datetime) -> None:
    """The web delivery of each notification, sent with the batch's live events. One
    INSERT … SELECT per chunk: no model instance per row on the dispatcher's hot path."""
    sql = (f"INSERT INTO {Delivery._meta.db_table} "
           "(notification_id, channel, status, attempts, last_error, sent_at) "
           f"SELECT id, %s, %s, 1, '', %s FROM {Notification._meta.db_table} WHERE id IN ")
    sent_at = connection.ops.adapt_datetimefield_value(now)
    chunk = (connection.features.max_query_params or 10_000) - 3
    with connection.cursor() as cursor:
        for start in range(0, len(notification_ids), chunk):
            ids = notification_ids[start:start + chunk]
            cursor.execute(sql + f"({', '.join(['%s'] * len(ids))})",
                           [Channel.WEB, DeliveryStatus.SENT, sent_at, *ids])


def quiet_until_for(row: Row, now: datetime) -> datetime | None:
    """When the patient's quiet hours around `now` end (None: not in quiet hours). They are
    read on the clock where the patient is, as reported by their browser."""
    zone = ZoneInfo(row["patient__reported_timezone"] or row["patient__current_timezone"]
                    or row["patient__timezone"])
    return quiet_until(now, zone, row["patient__quiet_start"], row["patient__quiet_end"])


def slow_channels(notification: Notification, row: Row | None,
                  pushable: set[int]) -> list[Channel]:
    is_caregiver = notification.kind == NotificationKind.CAREGIVER_MISSED
    wants_email = is_caregiver or (row is not None and row["patient__notify_email"])
    channels = []
    if notification.recipient_id in pushable and (
            is_caregiver or row is None or row["patient__notify_push"]):
        channels.append(Channel.PUSH)
    if wants_email and notification.kind != NotificationKind.MISSED_SUMMARY:
        channels.append(Channel.EMAIL)
    return channels


def enqueue(delivery_ids: list[int]) -> None:
    from pulserx.notifications.tasks import send_deliveries

    for start in range(0, len(delivery_ids), TASK_CHUNK):
        send_deliveries.delay(delivery_ids[start:start + TASK_CHUNK])


def resend_due_deliveries(now: datetime, limit: int = 1000) -> int:
    """Re-send deliveries whose retry time (or lost task's lease) has come."""
    ids = claim_due_deliveries(now, limit, settings.PULSERX_LEASE)
    if ids:
        enqueue(ids)
    return len(ids)


def notification_event(notification: Notification, row: Row | None) -> live.Event:
    facts = dose_facts(row) if row is not None else None
    label = (row["patient__user__first_name"] or row["patient__user__email"]) if row else ""
    title, body = describe(notification.kind, facts, late=notification.late,
                           count=notification.count, patient_label=label)
    payload = {
        "kind": "notification", "id": notification.pk, "type": notification.kind,
        "dose_id": notification.dose_id, "patient_id": notification.patient_id,
        "title": title, "body": body, "late": notification.late,
        "actionable": notification.kind in (NotificationKind.REMINDER, NotificationKind.REALERT),
        "quiet": notification.quiet_until is not None,
        "created_at": notification.created_at.isoformat(),
    }
    return inbox_group(notification.recipient_id), {"type": "inbox.event", "event": payload}


def dose_change(row: Row, decision: Decision) -> live.DoseChange:
    status = "notified" if decision.action == Action.REMIND else "missed"
    return live.DoseChange(dose_id=row["id"], patient_id=row["patient_id"],
                           patient_user_id=row["patient__user_id"], status=status,
                           is_test=row["medication_id"] is None,
                           patient_hears=decision.action != Action.REMIND)


def publish_after_commit(events: list[live.Event]) -> int:
    """Publish a committed batch's events. A failure loses only the live push: the inbox row
    is committed and the page reconciles on its next (re)connect."""
    try:
        return live.publish(events)
    except Exception:
        logger.warning(
            "could not publish %d live events; browsers will catch up on reconnect",
            len(events), exc_info=True)
        return 0
