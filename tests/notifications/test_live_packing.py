"""Live events are packed byte for byte as the channel layer packs them, without loading it."""

from __future__ import annotations

import subprocess
import sys

from channels.layers import get_channel_layer

from pulserx import live

MESSAGE = {"type": "inbox.event",
           "event": {"kind": "dose", "dose_id": 7, "status": "taken", "snoozed_until": None,
                     "text": "Take 2 tablets of Metformin — due at 08:00 in Tokyo"}}


def test_a_message_is_packed_as_the_layer_packs_it():
    layer = get_channel_layer()
    assert live.serializer()(MESSAGE) == layer.serialize(MESSAGE)
    assert layer.deserialize(live.serializer()(MESSAGE)) == MESSAGE


def test_an_encrypting_layer_packs_its_own_messages(settings):
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {
        **settings.CHANNEL_LAYERS["default"]["CONFIG"],
        "symmetric_encryption_keys": ["a secret of the deployment"]}}}
    live.serializer.cache_clear()
    try:
        packed = live.serializer()(MESSAGE)
        assert packed != live.msgpack.packb(MESSAGE)
        assert get_channel_layer().deserialize(packed) == MESSAGE
    finally:
        live.serializer.cache_clear()


def test_publishing_does_not_load_the_channel_layer():
    """The worker publishes every live event; the layer's serializer module would bring
    cryptography's Fernet into its memory for nothing."""
    code = ("import django; django.setup(); from pulserx import live; live.serializer(); "
            "import sys; print('channels_redis.serializers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"DJANGO_SETTINGS_MODULE": "pulserx.settings",
                                          "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"
