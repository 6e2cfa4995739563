"""Another patient's data does not exist as far as the API is concerned: 404, never 403."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests import factories as make
from tests.api.conftest import API


@pytest.fixture
def their_medication(patient):
    return make.medication(patient, "08:00", start=date(2027, 1, 1), stock="10")


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("get", "", None), ("put", "", {"name": "Mine now", "schedule": {"times": [{"at": "09:00"}]}}),
    ("patch", "", {"name": "Mine now"}), ("delete", "", None),
    ("post", "/pause", None), ("post", "/resume", None),
])
def test_another_patients_medication_is_not_found(other_api, their_medication, method, suffix,
                                                  body):
    call = getattr(other_api, method)
    kwargs = {"data": body, "content_type": "application/json"} if body else {}

    response = call(f"{API}/medications/{their_medication.pk}{suffix}", **kwargs)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    kept = Medication.objects.get(pk=their_medication.pk)
    assert (kept.name, kept.paused) == ("Metformin", False)
    assert other_api.get(f"{API}/medications").json() == []


@pytest.mark.parametrize("action", ["take", "skip", "snooze"])
def test_another_patients_dose_is_not_found(other_api, patient, their_medication, action):
    due = make.dose(their_medication, datetime(2027, 3, 1, 8, tzinfo=UTC))

    response = other_api.post(f"{API}/doses/{due.pk}/{action}", {"minutes": 10},
                              content_type="application/json")

    assert response.status_code == 404
    due.refresh_from_db()
    assert due.status == DoseStatus.NOTIFIED
    assert Medication.objects.get().stock == 10


def test_lists_show_only_the_callers_own_rows(other_api, patient, their_medication):
    due = make.dose(their_medication, timezone.now())
    Notification.objects.create(recipient=patient.user, patient=patient, dose=due,
                                kind=NotificationKind.REMINDER, created_at=timezone.now())

    assert other_api.get(f"{API}/doses").json() == []
    assert other_api.get(f"{API}/notifications").json() == []
    assert other_api.get(f"{API}/adherence").json()["pending"] == 0
    marked = other_api.post(f"{API}/notifications/read", {"all": True},
                            content_type="application/json")
    assert marked.json() == {"marked": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert Dose.objects.count() == 1
