"""Slow channel: while email tasks wait 10 s on an SMTP server, is every tick still on time?

A loopback SMTP server (aiosmtpd) whose DATA handler sleeps 10 s; patients with email
reminders on; a dose due every second for the window. Measured: each tick's start against its
whole second (the dispatcher's heartbeat), seconds with no tick at all, and for every dose
Notification.created_at - due_at and the arrival of its live event - due_at.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from bench import harness, observe
from bench.harness import Context, say


class SlowHandler:
    """Accepts every message after `delay` seconds; records when each DATA ran."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sessions: list[list[float]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        record = [time.time(), math.inf]
        self.sessions.append(record)
        await asyncio.sleep(self.delay)
        record[1] = time.time()
        return "250 Message accepted for delivery"


def watch_ticks(worker: harness.Process, until: float) -> dict[float, dict[str, Any]]:
    beats: dict[float, dict[str, Any]] = {}
    while time.time() < until:
        worker.check_alive()
        beat = harness.heartbeat()
        if beat and beat.get("pid") == worker.pid:
            beats[beat["at"]] = beat
        time.sleep(0.05)
    return beats


def run(ctx: Context) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    from pulserx.accounts.models import Patient

    window, delay = ctx.sizes.slow_window, ctx.sizes.smtp_delay
    say(f"\n== slow channel: SMTP answers after {delay:.0f} s; a dose with email due every "
        f"second for {window} s")
    harness.reset_all()
    people = harness.seed_patients(ctx.sizes.patients)[:window]
    Patient.objects.filter(pk__in=[p.patient_id for p in people]).update(notify_email=True)
    handler = SlowHandler(delay)
    smtp = Controller(handler, hostname="127.0.0.1", port=harness.free_port())
    smtp.start()
    counter = observe.EventCounter(p.user_id for p in people)
    worker = harness.start_worker(ctx, "slow-channel-worker",
                                  EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}")
    try:
        harness.wait_for_ticks(worker, ticks=5)
        time.sleep(2.0)  # the task consumer starts a little after the dispatcher
        start = harness.next_whole_second(time.time() + 2.0)
        first, last = harness.insert_doses(
            (person, harness.as_datetime(start + n), False) for n, person in enumerate(people))
        beats = watch_ticks(worker, start + window + 1.0)
        time.sleep(1.0)
    finally:
        worker.stop(timeout=max(30.0, delay * 3))
        counter.stop()
        smtp.stop()
    rows = notification_times(first, last)
    return summarise(beats, rows, counter, handler, start, window, delay)


def notification_times(first: int, last: int) -> list[tuple[int, float, float]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, extract(epoch FROM d.due_at), extract(epoch FROM n.created_at) "
            "FROM reminders_dose d JOIN notifications_notification n ON n.dose_id = d.id "
            "WHERE d.id BETWEEN %s AND %s ORDER BY d.id", [first, last])
        return [(dose_id, float(due), float(created)) for dose_id, due, created in cursor]


def summarise(beats: dict[float, dict[str, Any]], rows: list[tuple[int, float, float]],
              counter: observe.EventCounter, handler: SlowHandler, start: float, window: int,
              delay: float) -> dict[str, Any]:
    end = start + window
    ticks = sorted(at for at in beats if start <= at < end)
    lateness = [at - math.floor(at) for at in ticks]
    seconds_without_tick = sorted(set(range(int(start), int(end))) - {math.floor(t) for t in ticks})
    sending = [s for s in handler.sessions if s[0] < end]

    def emails_in_flight(at: float) -> int:
        return sum(1 for began, ended in sending if began <= at < ended)

    ticks_during_email = [at for at in ticks if emails_in_flight(at)]
    due_by_dose = {dose_id: due for dose_id, due, _ in rows}
    arrivals = [received - due_by_dose[event["dose_id"]] for received, _, event in counter.events
                if event.get("dose_id") in due_by_dose]
    created = [created - due for _, due, created in rows]
    result = {
        "window_s": window, "smtp_delay_s": delay, "ticks": len(ticks),
        "seconds_without_tick": len(seconds_without_tick),
        "tick_lateness_max_s": round(max(lateness, default=math.nan), 4),
        "tick_lateness_median_s": round(sorted(lateness)[len(lateness) // 2], 4)
        if lateness else None,
        "tick_took_max_s": round(max((beats[at]["took"] for at in ticks), default=math.nan), 4),
        "ticks_while_email_in_flight": len(ticks_during_email),
        "emails_started": len(sending), "max_emails_in_flight": max(
            (emails_in_flight(at) for at in ticks), default=0),
        "doses": len(rows), "created_minus_due_max_s": round(max(created, default=math.nan), 4),
        "event_minus_due_max_s": round(max(arrivals, default=math.nan), 4),
        "events": len(arrivals),
        "first_email_s": round(sending[0][1] - sending[0][0], 2) if sending else None,
        "tick_list": [(round(at - start, 3), round(beats[at]["took"], 3), beats[at]["reminded"])
                      for at in sorted(beats)],
        "email_sessions": [(round(began - start, 2), round(ended - start, 2))
                           for began, ended in handler.sessions],
    }
    say(f"{result['ticks']} ticks in {window} s ({result['seconds_without_tick']} seconds "
        f"without one), {result['ticks_while_email_in_flight']} of them while an email was "
        f"being sent (up to {result['max_emails_in_flight']} at once, "
        f"{result['emails_started']} started)")
    say(f"tick lateness vs its whole second: max {result['tick_lateness_max_s'] * 1000:.0f} ms, "
        f"median {(result['tick_lateness_median_s'] or 0) * 1000:.0f} ms; slowest tick "
        f"{result['tick_took_max_s'] * 1000:.0f} ms")
    say(f"{result['doses']} doses: Notification.created_at - due_at max "
        f"{result['created_minus_due_max_s'] * 1000:.0f} ms; live event - due_at max "
        f"{result['event_minus_due_max_s'] * 1000:.0f} ms ({result['events']} events)")
    return result
