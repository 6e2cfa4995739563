"""What the Today page's "Enable notifications" button shows when the server refuses (the
`error` of /push/key and /push/subscriptions, shown as it comes) is in the reader's language.
Catalogs are made for the test (`catalog`)."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient
from pulserx.notifications.models import PushSubscription
from tests.i18n.conftest import MakeCatalog
from tests.notifications.test_push_endpoints import post_json, subscription
from tests.support import https_client

pytestmark = pytest.mark.django_db

GERMAN = {
    "Web Push is not set up on this server, so reminders reach this browser only while "
    "PulseRx is open.": "Web Push ist auf diesem Server nicht eingerichtet.",
    "This is not a usable push subscription.": "Das ist kein brauchbares Push-Abonnement.",
    "This push subscription belongs to another account: sign in as that account and turn "
    "push off there first.": "Dieses Push-Abonnement gehört zu einem anderen Konto.",
}


def german_client(patient: Patient) -> Client:
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(patient.user)
    return client


def test_push_not_set_up_is_said_in_german(catalog: MakeCatalog, patient: Patient,
                                           settings: SettingsWrapper) -> None:
    catalog("de", GERMAN)
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    response = german_client(patient).get("/push/key")
    assert response.status_code == 503
    assert response.json()["error"] == "Web Push ist auf diesem Server nicht eingerichtet."


def test_a_refused_subscription_is_said_in_german(catalog: MakeCatalog, patient: Patient,
                                                  other_patient: Patient) -> None:
    catalog("de", GERMAN)
    client = german_client(patient)
    unusable = post_json(client, "/push/subscriptions", subscription(auth="!!!"))
    assert unusable.json()["error"] == "Das ist kein brauchbares Push-Abonnement."
    assert post_json(german_client(other_patient), "/push/subscriptions",
                     subscription()).status_code == 201
    taken = post_json(client, "/push/subscriptions", subscription())
    assert taken.status_code == 409
    assert taken.json()["error"] == "Dieses Push-Abonnement gehört zu einem anderen Konto."
    assert PushSubscription.objects.get().user == other_patient.user
