"""Where a tick's time goes: the product's own `tick()`, run in this process with timers
around its steps and around every SQL statement. Nothing in pulserx/ is changed; the timers
wrap module attributes for the duration of one call and are removed afterwards."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

# (label, how to recognise the statement): the first match names a SQL statement.
SQL_KINDS = (
    ("claim doses (UPDATE … RETURNING)", "UPDATE reminders_dose SET lease_until"),
    ("fetch claimed rows (SELECT … FOR UPDATE)", 'FROM "reminders_dose"'),
    ("mark doses notified (UPDATE)", 'UPDATE "reminders_dose"'),
    ("insert notifications", 'INSERT INTO "notifications_notification"'),
    ("insert deliveries", 'INSERT INTO "notifications_delivery"'),
    ("push subscriptions lookup", "notifications_pushsubscription"),
    ("materialise: schedules due", "reminders_schedule"),
    ("claim due deliveries (retries)", "UPDATE notifications_delivery"),
)

# Python steps timed by wrapping the name a caller looks up: (module, attribute, label).
STEPS = (
    ("pulserx.dispatch.tick", "materialise_upcoming", "materialise"),
    ("pulserx.dispatch.tick", "claim_due_doses", "claim"),
    ("pulserx.dispatch.tick", "deliver_batch", "deliver_batch"),
    ("pulserx.dispatch.tick", "decide", "decide (per dose)"),
    ("pulserx.dispatch.tick", "finish_doses", "finish_doses"),
    ("pulserx.dispatch.fanout", "record", "fanout.record"),
    ("pulserx.dispatch.fanout", "plan_deliveries", "plan_deliveries"),
    ("pulserx.dispatch.fanout", "notification_event", "notification_event (per dose)"),
    ("pulserx.dispatch.fanout", "publish_after_commit", "publish (pipelined PUBLISH)"),
    ("pulserx.dispatch.fanout", "resend_due_deliveries", "resend_due_deliveries"),
)


class Timings:
    """Seconds and calls per step, keyed by the path of enclosing steps, so the report can
    say what a step spent itself and what its parts spent."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, ...], float] = defaultdict(float)
        self.calls: dict[tuple[str, ...], int] = defaultdict(int)
        self.stack: list[str] = []

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        path = (*self.stack, label)
        self.seconds[path] += 0.0  # first seen: keeps execution order
        self.stack.append(label)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[path] += time.perf_counter() - started
            self.calls[path] += 1
            self.stack.pop()

    def as_rows(self) -> list[dict[str, Any]]:
        """Depth-first rows; `own` is the time not spent in a timed part (Python work)."""
        rows = []
        for path, seconds in self.seconds.items():
            children = sum(s for p, s in self.seconds.items()
                           if len(p) == len(path) + 1 and p[:len(path)] == path)
            rows.append({"step": path[-1], "depth": len(path) - 1,
                         "seconds": round(seconds, 4), "calls": self.calls[path],
                         "own": round(seconds - children, 4) if children else None})
        return _depth_first(rows, self.seconds)


def _depth_first(rows: list[dict[str, Any]], seconds: dict[tuple[str, ...], float]
                 ) -> list[dict[str, Any]]:
    by_path = dict(zip(seconds, rows, strict=True))
    ordered: list[dict[str, Any]] = []

    def visit(prefix: tuple[str, ...]) -> None:
        for path in seconds:
            if len(path) == len(prefix) + 1 and path[:len(prefix)] == prefix:
                ordered.append(by_path[path])
                visit(path)

    visit(())
    return ordered


def _timed(function: Callable[..., Any], label: str, timings: Timings) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timings.step(label):
            return function(*args, **kwargs)
    return wrapper


def _sql_kind(sql: str) -> str:
    for label, marker in SQL_KINDS:
        if marker in sql:
            return "SQL: " + label
    return "SQL: other"


@contextlib.contextmanager
def instrumented(timings: Timings) -> Iterator[None]:
    import importlib

    from django.db import connection

    originals = []
    for module_name, attribute, label in STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, attribute)
        originals.append((module, attribute, original))
        setattr(module, attribute, _timed(original, label, timings))

    def sql_timer(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                  context: Any) -> Any:
        with timings.step(_sql_kind(sql)):
            return execute(sql, params, many, context)

    commit = connection._commit
    connection._commit = _timed(commit, "SQL: COMMIT", timings)  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql_timer):
            yield
    finally:
        connection._commit = commit  # type: ignore[method-assign]
        for module, attribute, original in originals:
            setattr(module, attribute, original)


def profile_tick() -> tuple[float, Timings, Any]:
    """Run one real `tick()` here with timers; return (wall seconds, timings, its report)."""
    from pulserx.dispatch.tick import tick

    timings = Timings()
    with instrumented(timings):
        started = time.perf_counter()
        with timings.step("tick"):
            report = tick()
        wall = time.perf_counter() - started
    return wall, timings, report
