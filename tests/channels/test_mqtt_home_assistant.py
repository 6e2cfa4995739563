"""The Home Assistant channel against a real broker: a private mosquitto on a free port.
A subscriber sees the discovery configs, the retained state and one event per reminder."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import ChannelError, add_channel, send_test
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.notifications.tasks import send_deliveries
from tests.channels.test_channel_delivery import remind_now
from tests.support import free_port

pytestmark = pytest.mark.django_db
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@pytest.fixture
def broker(tmp_path: Path, settings: SettingsWrapper) -> Iterator[int]:
    """mosquitto on 127.0.0.1:<free port>, anonymous, nothing kept on disk."""
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto; .ci/run does)")
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                      "persistence false\n")
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)
    settings.PULSERX_CHANNEL_HOSTS = ["127.0.0.1"]
    yield port
    process.terminate()
    process.wait(timeout=10)


class Subscriber:
    """Everything published under `#`, as Home Assistant would see it."""

    def __init__(self, port: int) -> None:
        self.messages: list[tuple[str, dict[str, object], bool]] = []
        self.ready = threading.Event()
        self.client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe("#", qos=1)
        self.client.on_subscribe = lambda *args: self.ready.set()
        self.client.on_message = lambda c, u, m: self.messages.append(
            (m.topic, json.loads(m.payload), bool(m.retain)))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.ready.wait(5)

    def wait_for(self, topic: str, count: int = 1) -> list[dict[str, object]]:
        deadline = time.monotonic() + 5
        while len(found := [p for t, p, _ in self.messages if t == topic]) < count:
            assert time.monotonic() < deadline, (topic, self.messages)
            time.sleep(0.02)
        return found

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_reminder_appears_in_home_assistant_by_discovery(broker: int,
                                                           patient: Patient) -> None:
    channel = add_channel(patient.user, "mqtt", "Kitchen",
                          {"broker": f"mqtt://127.0.0.1:{broker}"})
    live = Subscriber(broker)
    dose = remind_now(patient)
    pending = Delivery.objects.filter(channel=Channel.MQTT, status=DeliveryStatus.PENDING)
    send_deliveries([[d.pk, d.attempts] for d in pending], Channel.MQTT)

    uid = patient.user.pk
    [sensor] = live.wait_for(f"homeassistant/sensor/pulserx_{uid}/dose/config")
    [event_entity] = live.wait_for(f"homeassistant/event/pulserx_{uid}/reminder/config")
    [state] = live.wait_for(f"pulserx/{uid}/state")
    time.sleep(0.2)  # anything more would have arrived by now
    events = live.wait_for(f"pulserx/{uid}/event")
    live.close()

    assert sensor["state_topic"] == f"pulserx/{uid}/state"
    assert sensor["value_template"] == "{{ value_json.status }}"
    assert event_entity["state_topic"] == f"pulserx/{uid}/event"
    assert "reminder" in event_entity["event_types"]  # type: ignore[operator]
    assert state["status"] == "due" and state["dose_id"] == dose.pk
    assert "Take 2 tablets of Metformin 500 mg" in str(state["body"])
    assert len(events) == 1 and events[0]["event_type"] == "reminder"
    assert Delivery.objects.get(target=channel).status == DeliveryStatus.SENT

    # A subscriber that comes later (Home Assistant restarting) still finds the state.
    late = Subscriber(broker)
    [kept] = late.wait_for(f"pulserx/{uid}/state")
    late.close()
    assert kept["status"] == "due"
    assert all(retained for topic, _, retained in late.messages)


def test_send_a_test_reaches_the_broker_and_a_closed_one_is_a_clear_reason(
        broker: int, patient: Patient) -> None:
    live = Subscriber(broker)
    send_test("mqtt", {"broker": f"mqtt://127.0.0.1:{broker}"}, patient.user)
    [event] = live.wait_for(f"pulserx/{patient.user.pk}/event")
    live.close()
    assert event["event_type"] == "test"

    with pytest.raises(ChannelError, match="the broker could not be reached"):
        send_test("mqtt", {"broker": f"mqtt://127.0.0.1:{free_port()}"}, patient.user)


def test_a_broker_on_a_private_address_is_refused(patient: Patient) -> None:
    with pytest.raises(ChannelError, match=r"10\.0\.0\.9 is a local or private address"):
        send_test("mqtt", {"broker": "mqtt://10.0.0.9:1883"}, patient.user)


def test_a_dose_taken_becomes_the_retained_state(broker: int, patient: Patient,
                                                 django_capture_on_commit_callbacks: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from pulserx.notifications import tasks
    from pulserx.reminders.actions import record_dose
    from pulserx.reminders.models import DoseStatus

    # The task runs here, as the worker's "channels" queue would run it.
    monkeypatch.setattr(tasks.publish_dose_state, "apply_async",
                        lambda args, queue: tasks.publish_dose_state(*args))
    add_channel(patient.user, "mqtt", "Kitchen", {"broker": f"mqtt://127.0.0.1:{broker}"})
    dose = remind_now(patient)
    live = Subscriber(broker)

    with django_capture_on_commit_callbacks(execute=True):
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)

    [state] = live.wait_for(f"pulserx/{patient.user.pk}/state")
    live.close()
    assert state["status"] == "taken" and state["dose_id"] == dose.pk


def test_a_givers_reminder_is_a_due_dose_in_their_home_assistant(
        broker: int, patient: Patient, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pulserx.accounts.models import CareRole
    from pulserx.notifications import tasks
    from pulserx.reminders.actions import record_dose
    from pulserx.reminders.models import DoseStatus
    from tests.care.conftest import carer

    monkeypatch.setattr(tasks.publish_dose_state, "apply_async",
                        lambda args, queue: tasks.publish_dose_state(*args))
    ana = carer(patient, "Ana", CareRole.GIVES)
    add_channel(ana, "mqtt", "Ana's kitchen", {"broker": f"mqtt://127.0.0.1:{broker}"})
    live = Subscriber(broker)
    dose = remind_now(patient)
    pending = Delivery.objects.filter(channel=Channel.MQTT, status=DeliveryStatus.PENDING)
    send_deliveries([[d.pk, d.attempts] for d in pending], Channel.MQTT)

    [state] = live.wait_for(f"pulserx/{ana.pk}/state")
    [event] = live.wait_for(f"pulserx/{ana.pk}/event")
    assert state["status"] == "due" and state["dose_id"] == dose.pk  # not "giver_reminder"
    assert str(state["body"]).startswith("Give 2 tablets, due at ")
    assert event["event_type"] == "giver_reminder"

    with django_capture_on_commit_callbacks(execute=True):
        record_dose(dose.pk, DoseStatus.TAKEN, by=ana)

    [_, given] = live.wait_for(f"pulserx/{ana.pk}/state", count=2)
    live.close()
    assert given["status"] == "taken" and given["dose_id"] == dose.pk
