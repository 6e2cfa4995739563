"""Channel credentials are sealed at rest and survive a key rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient
from pulserx.notifications.channels import sealing
from pulserx.notifications.channels.editing import add_channel, view_of
from pulserx.notifications.models import UserChannel

pytestmark = pytest.mark.django_db
TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


def test_the_bot_token_is_not_stored_in_clear_and_is_masked_when_shown(
        patient: Patient) -> None:
    channel = add_channel(patient.user, "telegram", "Phone",
                          {"bot_token": TOKEN, "chat_id": "987654321"})

    stored = UserChannel.objects.values_list("sealed_settings", flat=True).get(pk=channel.pk)
    assert TOKEN not in stored and "AAE" not in stored
    shown = view_of(channel).settings
    assert shown == {"bot_token": "••••345", "chat_id": "987654321"}


def test_rotation_reseals_with_the_new_key_and_the_old_key_can_go(
        patient: Patient, settings: SettingsWrapper) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PULSERX_CHANNEL_KEYS = [old]
    channel = add_channel(patient.user, "telegram", "Phone",
                          {"bot_token": TOKEN, "chat_id": "987654321"})

    settings.PULSERX_CHANNEL_KEYS = [new, old]
    call_command("rotate_channel_keys", stdout=StringIO())
    settings.PULSERX_CHANNEL_KEYS = [new]

    channel.refresh_from_db()
    assert sealing.unseal(channel.sealed_settings)["bot_token"] == TOKEN


def test_settings_sealed_with_a_removed_key_say_so(patient: Patient,
                                                   settings: SettingsWrapper) -> None:
    settings.PULSERX_CHANNEL_KEYS = [Fernet.generate_key().decode()]
    channel = add_channel(patient.user, "ntfy", "Phone", {"server": "https://ntfy.sh",
                                                          "topic": "alex"})
    settings.PULSERX_CHANNEL_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(sealing.SealBroken, match="PULSERX_CHANNEL_KEYS"):
        sealing.unseal(channel.sealed_settings)
