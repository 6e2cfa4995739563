"""The pure decision the dispatcher takes for each claimed dose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pulserx.dispatch.decide import Action, DoseView, decide

DUE = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
GRACE = timedelta(hours=2)


def view(status: str = "scheduled", alerts_sent: int = 0, every: int = 0, limit: int = 2,
         snoozed_until: datetime | None = None) -> DoseView:
    return DoseView(status=status, due_at=DUE, snoozed_until=snoozed_until, reminded_at=None,
                    alerts_sent=alerts_sent, missed_after=timedelta(minutes=60),
                    realert_every=timedelta(minutes=every), realert_limit=limit)


def test_a_dose_on_time_is_reminded_and_checked_again_at_its_missed_deadline():
    decision = decide(view(), DUE + timedelta(seconds=1), GRACE)
    assert decision.action == Action.REMIND and not decision.late
    assert decision.next_action_at == DUE + timedelta(minutes=60, seconds=1)


def test_a_dose_found_within_the_grace_period_is_reminded_and_flagged_late():
    decision = decide(view(), DUE + timedelta(minutes=90), GRACE)
    assert decision.action == Action.REMIND and decision.late


def test_a_dose_found_after_the_grace_period_is_missed_quietly():
    assert decide(view(), DUE + GRACE + timedelta(seconds=1), GRACE).action == Action.MISS_QUIETLY


def test_re_alerts_come_every_n_minutes_up_to_the_limit_then_the_deadline():
    first = decide(view(every=15), DUE, GRACE)
    assert first.next_action_at == DUE + timedelta(minutes=15)
    again = decide(view("notified", alerts_sent=1, every=15), DUE + timedelta(minutes=15), GRACE)
    assert again.action == Action.REALERT
    assert again.next_action_at == DUE + timedelta(minutes=30)
    last = decide(view("notified", alerts_sent=2, every=15), DUE + timedelta(minutes=30), GRACE)
    assert last.action == Action.REALERT
    assert last.next_action_at == DUE + timedelta(minutes=60)  # limit reached: the deadline
    spent = decide(view("notified", alerts_sent=3, every=15), DUE + timedelta(minutes=45), GRACE)
    assert spent.action == Action.NOTHING


def test_a_notified_dose_past_its_deadline_is_missed():
    decision = decide(view("notified", alerts_sent=1), DUE + timedelta(minutes=60), GRACE)
    assert decision.action == Action.MISS


def test_a_snooze_moves_the_alert_and_the_deadline():
    snoozed = DUE + timedelta(minutes=30)
    decision = decide(view(alerts_sent=1, snoozed_until=snoozed), snoozed, GRACE)
    assert decision.action == Action.REMIND and not decision.late
    assert decision.next_action_at == snoozed + timedelta(minutes=60)


def test_a_dose_already_acted_on_needs_nothing():
    for status in ("taken", "skipped", "missed"):
        decision = decide(view(status), DUE + timedelta(minutes=5), GRACE)
        assert decision.action == Action.NOTHING and decision.next_action_at is None
