"""Print a new VAPID key pair for Web Push, as lines for the environment."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand

from pulserx.notifications.transports.webpush import b64url


def new_vapid_keys() -> tuple[str, str]:
    """(public, private): the public key as browsers want it (base64url of the uncompressed
    P-256 point), the private key as py_vapid reads it (base64url of the 32-byte scalar)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


class Command(BaseCommand):
    help = ("Print a new VAPID key pair. Set both in the web and worker environments; "
            "changing them later makes every browser subscribe again.")

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = new_vapid_keys()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
