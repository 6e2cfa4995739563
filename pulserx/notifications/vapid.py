"""VAPID key pairs for Web Push: plain P-256 keys in the encodings browsers and py_vapid read.

Pure: imports no Django, so `make run` can make development keys before anything is set up.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_keys() -> tuple[str, str]:
    """(public, private): the public key as browsers want it (base64url of the uncompressed
    P-256 point), the private key as py_vapid reads it (base64url of the 32-byte scalar)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))
