"""What reminders announce to the apps above them (which it must not import)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that records a dose taken or skipped: `dose`, `at`.
dose_recorded = Signal()

# Sent inside the transaction that records an as-needed dose beyond a limit, when the patient
# wants their caregivers told: `dose`, `at`.
limit_overridden = Signal()
