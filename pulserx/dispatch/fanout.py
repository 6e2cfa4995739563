"""Fanning a batch's decisions out: inbox rows, a delivery per channel, live events.

Runs inside the batch's transaction; the words of every notification come from the one
renderer (`pulserx.notifications.render`), the same as every other channel's.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from pulserx import live
from pulserx.accounts.care import caregivers_watching
from pulserx.accounts.models import CareLink, CareLinkStatus
from pulserx.dispatch.claims import claim_due_deliveries
from pulserx.dispatch.decide import Action, Decision
from pulserx.dispatch.givers import givers_first, givers_of
from pulserx.dispatch.rows import DoseRow
from pulserx.notifications import render, shapes
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    Notification,
    NotificationKind,
    PushSubscription,
    UserChannel,
    load_chosen_medications,
)
from pulserx.notifications.sending import lease_for
from pulserx.notifications.tasks import enqueue_deliveries
from pulserx.reminders.clock import Reader, quiet_ends_at, reader_of

logger = logging.getLogger("pulserx.dispatch")
_ALERT_KIND = {Action.REMIND: NotificationKind.REMINDER, Action.REALERT: NotificationKind.REALERT}
# Who a notification is about, and who reads it (None: the patient, their own clock).
Source = tuple[DoseRow | None, Reader | None]
# What a caregiver's open page must hear of: the dose became due, or was missed.
_CHANGES_STATUS = (Action.REMIND, Action.MISS, Action.MISS_QUIETLY)


@dataclass(slots=True)
class Pending:
    """An inbox row the batch writes: a plain record, no model instance on the hot path.
    `pk` is set once the row is inserted; the renderer reads it like a Notification."""

    recipient_id: int
    patient_id: int
    kind: str
    created_at: datetime
    dose_id: int | None = None
    sequence: int = 0
    count: int = 1
    late: bool = False
    quiet_until: datetime | None = None
    pk: int = 0
    channels: tuple[Channel, ...] | None = None  # push/email chosen by its recipient (givers)


def record(decided: list[tuple[DoseRow, Decision]], now: datetime) -> list[live.Event]:
    """Write the inbox rows and deliveries for a batch (inside its transaction) and return
    the live events to publish once it commits."""
    sources: list[Source] = []
    pending: list[Pending] = []

    def add(row: DoseRow | None, reader: Reader | None = None, **fields: Any) -> None:
        pending.append(Pending(created_at=now, **fields))
        sources.append((row, reader))

    missed: list[DoseRow] = []
    away: Counter[tuple[int, int]] = Counter()
    readers: dict[int, Reader] = {}  # the patients told of doses missed while away
    for row, decision in decided:
        if decision.action in _ALERT_KIND:
            add(row, recipient_id=row.patient.user_id, patient_id=row.patient.id,
                dose_id=row.id, kind=_ALERT_KIND[decision.action],
                sequence=row.alerts_sent, late=decision.late,
                quiet_until=quiet_ends_at(row.patient, now))
        elif decision.action == Action.MISS and not row.is_test:
            missed.append(row)  # a test reminder that nobody answered concerns nobody else
        elif decision.action == Action.MISS_QUIETLY:
            away[(row.patient.id, row.patient.user_id)] += 1
            readers[row.patient.id] = row.patient.reader
    for row, giver in givers_of([row for row, d in decided if d.action == Action.REMIND]):
        add(row, giver.reader, recipient_id=giver.user_id, patient_id=row.patient.id,
            dose_id=row.id, kind=NotificationKind.GIVER_REMINDER, sequence=row.alerts_sent,
            channels=giver.channels)
    for row, caregiver_id, reader in caregivers_of(missed):
        add(row, reader, recipient_id=caregiver_id, patient_id=row.patient.id,
            dose_id=row.id, kind=NotificationKind.CAREGIVER_MISSED)
    for (patient_id, user_id), count in away.items():
        add(None, readers[patient_id], recipient_id=user_id, patient_id=patient_id,
            kind=NotificationKind.MISSED_SUMMARY, count=count)
    insert_notifications(pending, now)
    plan_deliveries(pending, [row for row, _ in sources], now)
    said: render.Said = {}
    events = [notification_event(n, row, reader, said)
              for n, (row, reader) in zip(pending, sources, strict=True)]
    changes = [dose_change(row, d) for row, d in decided if d.action in _CHANGES_STATUS]
    if changes:
        watching = caregivers_watching({c.patient_id for c in changes if not c.is_test})
        events += live.dose_events(changes, watching)
    return events


def dose_change(row: DoseRow, decision: Decision) -> live.DoseChange:
    status = "notified" if decision.action == Action.REMIND else "missed"
    return live.DoseChange(dose_id=row.id, patient_id=row.patient.id,
                           patient_user_id=row.patient.user_id, status=status,
                           is_test=row.is_test,
                           patient_hears=decision.action != Action.REMIND)


# PostgreSQL: the batch's inbox rows and their web deliveries in one statement, the rows
# passed as one array per column (no per-row SQL, no model instances).
_INSERT_NOTIFICATIONS = f"""
WITH inbox AS (
    INSERT INTO {Notification._meta.db_table}
        (recipient_id, patient_id, dose_id, kind, sequence, count, late, quiet_until,
         created_at)
    SELECT recipient_id, patient_id, dose_id, kind, sequence, count, late, quiet_until,
           %(now)s
    FROM unnest(%(recipient)s::bigint[], %(patient)s::bigint[], %(dose)s::bigint[],
                %(kind)s::varchar[], %(sequence)s::integer[], %(count)s::integer[],
                %(late)s::boolean[], %(quiet_until)s::timestamptz[]) WITH ORDINALITY
         AS row (recipient_id, patient_id, dose_id, kind, sequence, count, late, quiet_until,
                 position)
    ORDER BY position
    RETURNING id
), web AS (
    INSERT INTO {Delivery._meta.db_table}
        (notification_id, channel, status, attempts, last_error, sent_at)
    SELECT id, %(web)s, %(sent)s, 1, '', %(now)s FROM inbox
)
SELECT id FROM inbox
"""


def insert_notifications(pending: list[Pending], now: datetime) -> None:
    """Insert the inbox rows (setting each `pk`) and the web delivery of each: the inbox
    row itself is the web delivery, sent with the batch's live events."""
    if not pending:
        return
    if connection.vendor != "postgresql":
        _insert_with_models(pending, now)
        return
    params: dict[str, Any] = {
        "now": now, "web": Channel.WEB, "sent": DeliveryStatus.SENT,
        "recipient": [p.recipient_id for p in pending],
        "patient": [p.patient_id for p in pending], "dose": [p.dose_id for p in pending],
        "kind": [p.kind for p in pending], "sequence": [p.sequence for p in pending],
        "count": [p.count for p in pending], "late": [p.late for p in pending],
        "quiet_until": [p.quiet_until for p in pending],
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_NOTIFICATIONS, params)
        for item, (pk,) in zip(pending, cursor.fetchall(), strict=True):
            item.pk = pk


def _insert_with_models(pending: list[Pending], now: datetime) -> None:
    """The same on SQLite, through the ORM."""
    notifications = Notification.objects.bulk_create([
        Notification(recipient_id=p.recipient_id, patient_id=p.patient_id, dose_id=p.dose_id,
                     kind=p.kind, sequence=p.sequence, count=p.count, late=p.late,
                     quiet_until=p.quiet_until, created_at=now) for p in pending], batch_size=1000)
    for item, notification in zip(pending, notifications, strict=True):
        item.pk = notification.pk
    Delivery.objects.bulk_create([
        Delivery(notification_id=p.pk, channel=Channel.WEB, status=DeliveryStatus.SENT,
                 attempts=1, sent_at=now) for p in pending], batch_size=1000)


def caregivers_of(missed: list[DoseRow]) -> Iterable[tuple[DoseRow, int, Reader]]:
    """Each missed dose with each caregiver who asked to hear of it, and the reader that
    caregiver is: their clock (their own patient clock, else their stored zone, else
    unknown), their clock format and their language."""
    if not missed:
        return
    links = CareLink.objects.filter(
        patient_id__in={row.patient.id for row in missed}, status=CareLinkStatus.ACCEPTED,
        alert_on_missed=True, caregiver__isnull=False,
    ).select_related("caregiver__patient")
    by_patient: dict[int, list[tuple[int, Reader]]] = {}
    for link in givers_first(links):  # the givers are told first
        assert link.caregiver is not None
        by_patient.setdefault(link.patient_id, []).append(
            (link.caregiver.pk, reader_of(link.caregiver)))
    for row in missed:
        for caregiver_id, reader in by_patient.get(row.patient.id, []):
            yield row, caregiver_id, reader


def plan_deliveries(notifications: list[Pending], sources: list[DoseRow | None],
                    now: datetime) -> None:
    """A Delivery row per slow channel: push and email go to tasks, sent when the batch
    commits, with a lease that re-sends them if lost."""
    recipients = {n.recipient_id for n in notifications}
    pushable = set(PushSubscription.objects.filter(user_id__in=recipients)
                   .values_list("user_id", flat=True).distinct())
    own = user_channels_of(recipients)
    wanted = [Delivery(notification_id=notification.pk, channel=channel)
              for notification, row in zip(notifications, sources, strict=True)
              for channel in slow_channels(notification, row, pushable)]
    wanted += [Delivery(notification_id=notification.pk, channel=target.kind, target=target)
               for notification, row in zip(notifications, sources, strict=True)
               for target in own.get(notification.recipient_id, ())
               if target.wants(notification.kind, medication_id(row))]
    if not wanted:
        return
    quiet = {n.pk: n.quiet_until for n in notifications}
    for delivery in wanted:
        delivery.next_attempt_at = quiet[delivery.notification_id] or now + lease_for(
            delivery.channel)
    deliveries = Delivery.objects.bulk_create(wanted, batch_size=1000)
    supersede_held(notifications)
    # Held by quiet hours: resend_due_deliveries sends them when quiet hours end.
    pending = [(d.pk, d.channel, 0) for d in deliveries if quiet[d.notification_id] is None]
    if pending:
        transaction.on_commit(lambda: enqueue_deliveries(pending))


def medication_id(row: DoseRow | None) -> int | None:
    return row.medication.id if row is not None and row.medication is not None else None


def user_channels_of(recipients: set[int]) -> dict[int, list[UserChannel]]:
    """The recipients' own channels that are not paused (ntfy, Telegram, MQTT …), with the
    medications each is restricted to."""
    own: dict[int, list[UserChannel]] = {}
    channels = list(UserChannel.objects.filter(user_id__in=recipients, paused=False).defer(
        "sealed_settings"))
    load_chosen_medications(channels)
    for target in channels:
        own.setdefault(target.user_id, []).append(target)
    return own


def supersede_held(notifications: list[Pending]) -> None:
    """A re-alert held back by quiet hours replaces the held-back alerts of its dose: when
    quiet hours end the patient hears of the dose once."""
    held = [n for n in notifications if n.quiet_until is not None and n.sequence > 0]
    if not held:
        return
    Delivery.objects.filter(
        notification__dose_id__in={n.dose_id for n in held},
        notification__quiet_until__isnull=False, status=DeliveryStatus.PENDING,
    ).exclude(notification_id__in=[n.pk for n in held]).update(
        status=DeliveryStatus.SKIPPED, next_attempt_at=None,
        last_error="replaced by a later reminder of the same dose",
        cause=DeliveryCause.REPLACED)


def record_web_deliveries(notification_ids: list[int], now: datetime) -> None:
    """The web delivery of each stored notification (refills): one INSERT … SELECT per
    chunk. A dose batch writes its web deliveries with its inbox rows instead."""
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


def slow_channels(notification: Pending, row: DoseRow | None,
                  pushable: set[int]) -> list[Channel]:
    if notification.channels is not None:
        return [channel for channel in notification.channels
                if channel != Channel.PUSH or notification.recipient_id in pushable]
    is_caregiver = notification.kind == NotificationKind.CAREGIVER_MISSED
    wants_email = is_caregiver or (row is not None and row.patient.notify_email)
    channels = []
    if notification.recipient_id in pushable and (
            is_caregiver or row is None or row.patient.notify_push):
        channels.append(Channel.PUSH)
    if wants_email and notification.kind != NotificationKind.MISSED_SUMMARY:
        channels.append(Channel.EMAIL)
    return channels


def resend_due_deliveries(now: datetime, limit: int = 1000) -> int:
    """Re-send deliveries whose retry time (or lost task's lease) has come."""
    due = claim_due_deliveries(now, limit, settings.PULSERX_DELIVERY_LEASE,
                               settings.PULSERX_CHANNEL_LEASE)
    enqueue_deliveries(due)
    return len(due)


def notification_event(notification: render.NotificationFields, row: DoseRow | None,
                       reader: Reader | None = None,
                       said: render.Said | None = None) -> live.Event:
    """The live event of `notification`, worded for `reader` (None: the patient of `row`,
    or nobody's clock for a notification without a dose); `said`: the batch's words so
    far."""
    facts = row.facts() if row is not None else None
    label = row.patient.label if row is not None else ""
    if reader is None:
        reader = row.patient.reader if row is not None else Reader(None)
    message = render.message(notification, facts, label, reader, said=said)
    return live.event_for(notification.recipient_id, shapes.event_payload(message))


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
