"""What reminders announce to the apps above them (which it must not import)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that records a dose taken or skipped: `dose`, `at`.
dose_recorded = Signal()
