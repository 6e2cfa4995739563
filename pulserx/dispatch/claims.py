"""Claiming due work with a lease: one statement, safe with any number of workers."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import connection, transaction

_SKIP_LOCKED = {"postgresql": "FOR UPDATE SKIP LOCKED"}

# Outbox rows (doses, refill reminders) share the columns a claim needs.
_CLAIM_ROWS = """
UPDATE {table} SET lease_until = %s, claim_token = %s
WHERE id IN (
    SELECT id FROM {table}
    WHERE next_action_at <= %s AND (lease_until IS NULL OR lease_until < %s)
    ORDER BY next_action_at LIMIT %s {lock}
)
RETURNING id
"""


def claim_due_doses(now: datetime, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Lease up to `limit` doses whose next action is due at `now`.

    Returns (token, ids): the ids now belong to this caller until `now + lease`, and only a
    caller presenting `token` may finish them. Doses whose previous lease expired (a worker
    died mid-batch) are claimable again. On PostgreSQL, concurrent claimers skip each other's
    locked rows; SQLite serialises writers, so the guarded UPDATE is atomic by itself.
    """
    return _claim_due("reminders_dose", now, limit, lease)


def claim_due_refills(now: datetime, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Lease up to `limit` refill reminders due at `now`; (token, ids) as for doses."""
    return _claim_due("reminders_refillreminder", now, limit, lease)


def _claim_due(table: str, now: datetime, limit: int,
               lease: timedelta) -> tuple[str, list[int]]:
    token = secrets.token_hex(16)
    adapt = connection.ops.adapt_datetimefield_value
    sql = _CLAIM_ROWS.format(table=table, lock=_SKIP_LOCKED.get(connection.vendor, ""))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [adapt(now + lease), token, adapt(now), adapt(now), limit])
        ids = [row[0] for row in cursor.fetchall()]
    return token, ids


_CLAIM_DELIVERIES = """
UPDATE notifications_delivery
SET next_attempt_at = CASE WHEN channel IN ('service', 'mqtt') THEN %s ELSE %s END
WHERE id IN (
    SELECT id FROM notifications_delivery
    WHERE next_attempt_at <= %s AND status = 'pending'
    ORDER BY next_attempt_at LIMIT %s {lock}
)
RETURNING id, channel, attempts
"""


def claim_due_deliveries(now: datetime, limit: int, lease: timedelta,
                         channel_lease: timedelta | None = None) -> list[tuple[int, str, int]]:
    """Take pending deliveries whose (re)try time has come, pushing that time to
    `now + lease` (`now + channel_lease` for a user's own channels, which may be slower):
    the (id, channel, attempts made) rows returned are this caller's to send.
    If the send never happens (the task is lost, a worker dies), the delivery comes due
    again when the lease ends."""
    adapt = connection.ops.adapt_datetimefield_value
    sql = _CLAIM_DELIVERIES.format(lock=_SKIP_LOCKED.get(connection.vendor, ""))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [adapt(now + (channel_lease or lease)), adapt(now + lease),
                             adapt(now), limit])
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]
