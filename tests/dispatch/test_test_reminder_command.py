from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pulserx.reminders.models import Dose


@pytest.mark.django_db
def test_the_command_creates_a_dose_due_in_seconds(patient):
    out = StringIO()
    call_command("test_reminder", "ALEX@example.org", stdout=out)
    dose = Dose.objects.get()
    assert dose.patient == patient and dose.medication is None
    assert timezone.now() < dose.next_action_at < timezone.now() + timedelta(seconds=10)
    assert f"test reminder {dose.pk} is due" in out.getvalue()


@pytest.mark.django_db
def test_an_unknown_patient_is_a_clear_error():
    with pytest.raises(CommandError, match=r"No patient signs in as nobody@example\.org"):
        call_command("test_reminder", "nobody@example.org")
    assert not Dose.objects.exists()


@pytest.mark.django_db
def test_asking_again_while_one_is_on_its_way_does_not_queue_more(patient):
    from pulserx.reminders.actions import send_test_reminder

    first = send_test_reminder(patient)
    assert send_test_reminder(patient) == first
    assert Dose.objects.count() == 1


@pytest.mark.django_db
def test_asking_while_a_test_reminder_is_snoozed_sends_it_in_seconds(patient):
    from pulserx.dispatch.tick import tick
    from pulserx.reminders.actions import send_test_reminder, snooze_dose
    from pulserx.reminders.models import DoseStatus

    start = timezone.now()
    first = send_test_reminder(patient, now=start)
    tick(start + timedelta(seconds=6))
    snooze_dose(first.pk, 10, now=start + timedelta(seconds=7))

    again = send_test_reminder(patient, now=start + timedelta(seconds=8))
    assert again.pk == first.pk and Dose.objects.count() == 1
    tick(start + timedelta(seconds=14))
    again.refresh_from_db()
    assert again.status == DoseStatus.NOTIFIED and again.alerts_sent == 2
