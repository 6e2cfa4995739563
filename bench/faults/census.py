"""Counting what a scenario did, from the database alone.

When each inbox row was written is taken from the database server's clock by a statement
trigger this suite adds to its own private database (`faults_seen`): the workers' clocks may
be stepped on purpose, the server's is not. Lateness is that instant minus the dose's due time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

SEEN_SQL = """
CREATE TABLE IF NOT EXISTS faults_seen (
    notification_id bigint PRIMARY KEY, seen_at timestamptz NOT NULL);
CREATE OR REPLACE FUNCTION faults_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO faults_seen SELECT id, clock_timestamp() FROM written;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS faults_stamp ON notifications_notification;
CREATE TRIGGER faults_stamp AFTER INSERT ON notifications_notification
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION faults_stamp();
"""

# One row per dose: its first reminder's write time and how many reminders it got.
_PER_DOSE = """
SELECT d.id, d.due_at, d.status, d.late, r.n, r.seen
FROM reminders_dose d LEFT JOIN (
    SELECT n.dose_id, count(*) AS n, min(s.seen_at) AS seen
    FROM notifications_notification n LEFT JOIN faults_seen s ON s.notification_id = n.id
    WHERE n.kind = 'reminder' GROUP BY n.dose_id
) r ON r.dose_id = d.id
"""

_TOTALS = f"""
WITH per_dose AS ({_PER_DOSE}),
fresh AS (SELECT extract(epoch FROM seen - due_at) AS late_s FROM per_dose
          WHERE due_at >= %(start)s AND seen IS NOT NULL)
SELECT
  (SELECT count(*) FROM per_dose),
  (SELECT count(*) FROM per_dose WHERE n IS NOT NULL),
  (SELECT count(*) FROM per_dose WHERE n IS NULL AND status = 'missed'),
  (SELECT count(*) FROM per_dose WHERE n IS NULL AND status <> 'missed'),
  (SELECT coalesce(sum(n - 1), 0) FROM per_dose WHERE n > 1),
  (SELECT count(*) FROM per_dose WHERE late),
  (SELECT count(*) FROM per_dose WHERE seen < due_at),
  (SELECT count(*) FROM per_dose WHERE due_at < %(start)s),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY late_s) FROM fresh),
  (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY late_s) FROM fresh),
  (SELECT max(late_s) FROM fresh)
"""

# The same alert twice in one inbox (the unique key should make this impossible).
_SAME_ALERT_TWICE = """
SELECT coalesce(sum(c - 1), 0) FROM (
    SELECT count(*) AS c FROM notifications_notification
    WHERE dose_id IS NOT NULL AND kind <> 'reminder'  -- reminders are counted per dose
    GROUP BY recipient_id, dose_id, kind, sequence HAVING count(*) > 1) twice
"""

# Missed doses no summary speaks of: per patient, doses missed unseen minus summarised.
_UNANNOUNCED = """
SELECT coalesce(sum(greatest(m.missed - coalesce(s.told, 0), 0)), 0) FROM (
    SELECT d.patient_id, count(*) AS missed FROM reminders_dose d
    WHERE d.status = 'missed' AND NOT EXISTS (
        SELECT 1 FROM notifications_notification n WHERE n.dose_id = d.id)
    GROUP BY d.patient_id) m
LEFT JOIN (
    SELECT patient_id, sum(count) AS told FROM notifications_notification
    WHERE kind = 'missed_summary' GROUP BY patient_id) s ON s.patient_id = m.patient_id
"""


# Email, the slow channel: one delivery row per reminder to a patient who asked for email,
# sent by a Celery task; at least once by nature (SMTP has no exactly-once).
_EMAIL = """
SELECT
  (SELECT count(*) FROM notifications_notification n
   JOIN accounts_patient p ON p.id = n.patient_id WHERE n.kind = 'reminder' AND p.notify_email),
  count(*) FILTER (WHERE e.status = 'sent'),
  count(*) FILTER (WHERE e.status = 'skipped'),
  count(*) FILTER (WHERE e.status IN ('pending', 'failed')),
  count(*) FILTER (WHERE e.attempts > 1)
FROM notifications_delivery e WHERE e.channel = 'email'
"""


@dataclass
class Emails:
    wanted: int   # reminders whose patient asked for email
    sent: int
    skipped: int  # refused on purpose by the transport (e.g. the dose is no longer open)
    unsent: int   # still pending, or failed
    resent: int   # attempted more than once: the patient may have two emails

    @property
    def missing(self) -> int:
        return self.wanted - self.sent - self.skipped - self.unsent


@dataclass
class Census:
    """What the database says about every dose of one scenario."""

    due: int
    delivered: int
    missed: int
    lost: int
    duplicated: int
    marked_late: int
    early: int
    backlog: int
    p50_s: float | None
    p99_s: float | None
    max_s: float | None
    unannounced_missed: int = 0
    emails: Emails | None = None

    @property
    def clean(self) -> bool:
        emails_ok = self.emails is None or (self.emails.missing == 0 and self.emails.unsent == 0)
        return (self.lost == 0 and self.duplicated == 0 and self.unannounced_missed == 0
                and emails_ok)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fetch(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def count(start: datetime) -> Census:
    """Census of every dose in the database; doses due before `start` are the backlog the
    scenario seeded (already overdue), left out of the lateness figures."""
    (due, delivered, missed, lost, extra_reminders, late, early, backlog,
     p50, p99, worst) = _fetch(_TOTALS, {"start": start})
    twice = _fetch(_SAME_ALERT_TWICE, {})[0]
    unannounced = _fetch(_UNANNOUNCED, {})[0]

    def seconds(value: Any) -> float | None:
        return None if value is None else round(float(value), 3)

    emails = Emails(*(int(v) for v in _fetch(_EMAIL, {})))
    return Census(emails=emails, due=due, delivered=delivered, missed=missed, lost=lost,
                  duplicated=int(extra_reminders) + int(twice), marked_late=late, early=early,
                  backlog=backlog, p50_s=seconds(p50), p99_s=seconds(p99), max_s=seconds(worst),
                  unannounced_missed=int(unannounced))


def install_stamp() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SEEN_SQL)


def reset() -> None:
    """Drop every dose (and by cascade inbox rows and deliveries) and the write stamps."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reminders_dose, faults_seen RESTART IDENTITY CASCADE")


def open_work() -> int:
    """Doses still waiting for their first alert, plus emails still waiting to be sent."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM reminders_dose WHERE status = 'scheduled')"
                       " + (SELECT count(*) FROM notifications_delivery WHERE status = 'pending')")
        return int(cursor.fetchone()[0])
