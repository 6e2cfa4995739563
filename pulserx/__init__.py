"""PulseRx: medication reminders that arrive on time, exactly once."""

from .tzdb import use_newest

# Before anything loads a zone: every process reads the same tz database (pulserx.tzdb).
use_newest()

from .celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
