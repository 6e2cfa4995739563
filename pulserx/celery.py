"""The Celery app. Worker behaviour (the dispatcher tick, the memory guard) lives in
pulserx/dispatch/worker.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")

app = Celery("pulserx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from pulserx.dispatch.worker import DispatcherStep  # noqa: E402  (needs the app configured first)

app.steps["worker"].add(DispatcherStep)
