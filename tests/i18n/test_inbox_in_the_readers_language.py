"""The inbox page names each notification's kind, and how it was delivered (the way and its
status), in the reader's language: the words are the choices' labels, translated by catalogs
made for the test (`catalog`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from tests import factories as make
from tests.i18n.conftest import MakeCatalog
from tests.support import https_client

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
GERMAN = {
    "Time to take": "Zeit zum Einnehmen",
    "Missed while away": "Verpasst während der Abwesenheit",
    "In the app": "In der App",
    "Email": "E-Mail",
    ("a way a notification is delivered", "Channel"): "Kanal",
    ("delivery status", "Sent"): "Gesendet",
    ("delivery status", "Failed"): "Fehlgeschlagen",
    ("delivery status", "Not sent"): "Nicht gesendet",
}


def german_client(patient: Patient) -> Client:
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(patient.user)
    return client


def notify(patient: Patient, kind: str) -> Notification:
    return Notification.objects.create(
        recipient=patient.user, patient=patient, kind=kind, created_at=NOW,
        dose=make.dose(make.medication(patient), NOW) if kind == NotificationKind.REMINDER
        else None)


def test_a_german_reader_reads_the_kind_the_way_and_the_status_in_german(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", GERMAN)
    reminder = notify(patient, NotificationKind.REMINDER)
    notify(patient, NotificationKind.MISSED_SUMMARY)
    Delivery.objects.create(notification=reminder, channel=Channel.WEB,
                            status=DeliveryStatus.SENT, attempts=1, sent_at=NOW)
    Delivery.objects.create(notification=reminder, channel=Channel.EMAIL,
                            status=DeliveryStatus.FAILED, attempts=5)
    Delivery.objects.create(notification=reminder, channel=Channel.SERVICE,
                            status=DeliveryStatus.SKIPPED, attempts=0)

    page = german_client(patient).get("/inbox/").content.decode()

    for german in ("Zeit zum Einnehmen", "Verpasst während der Abwesenheit", "In der App",
                   "E-Mail", "Kanal", "Gesendet", "Fehlgeschlagen", "Nicht gesendet"):
        assert german in page
    for english in ("Time to take", "Missed while away", "In the app", ">Sent<", ">Failed<",
                    "Not sent"):
        assert english not in page
