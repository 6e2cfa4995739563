"""PulseRx: medication reminders that arrive on time, exactly once."""

from .celery import app as celery_app

__all__ = ["celery_app"]
