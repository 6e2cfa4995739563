"""A passkey device in software, for tests: a real P-256 key pair that answers WebAuthn
options the way a platform authenticator does (CTAP2 "none" attestation, signed assertions),
so the server's checks run on real signatures. Each answer can be bent one way to prove a
refusal: another origin or RP id, no user verification, a counter that goes backwards."""

from __future__ import annotations

import base64
import json
import secrets
import struct
from hashlib import sha256
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PasskeyDevice:
    def __init__(self, origin: str, rp_id: str) -> None:
        self.origin, self.rp_id = origin, rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.counter = 0
        self.user_handle = b""

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def auth_data(self, flags: int, rp_id: str, attested: bytes = b"") -> bytes:
        return sha256(rp_id.encode()).digest() + bytes([flags]) + \
            struct.pack(">I", self.counter) + attested

    def client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], *, origin: str | None = None,
               rp_id: str | None = None, verified: bool = True) -> str:
        """The browser's JSON answer to navigator.credentials.create(options)."""
        self.user_handle = b64url_decode(options["user"]["id"])
        attested = (bytes(16) + struct.pack(">H", len(self.credential_id))
                    + self.credential_id + self.cose_key())
        flags = UP | AT | (UV if verified else 0)
        auth_data = self.auth_data(flags, rp_id or self.rp_id, attested)
        client_data = self.client_data("webauthn.create", options["challenge"],
                                       origin or self.origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data),
                         "attestationObject": b64url(attestation), "transports": ["internal"]}})

    def get(self, options: dict[str, Any], *, origin: str | None = None,
            rp_id: str | None = None, verified: bool = True, counter_step: int = 1,
            client_data: bytes | None = None) -> str:
        """The browser's JSON answer to navigator.credentials.get(options); `client_data`
        replaces what was signed (a tampered answer)."""
        self.counter += counter_step
        auth_data = self.auth_data(UP | (UV if verified else 0), rp_id or self.rp_id)
        signed = self.client_data("webauthn.get", options["challenge"], origin or self.origin)
        signature = self.key.sign(auth_data + sha256(signed).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data or signed),
                         "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature),
                         "userHandle": b64url(self.user_handle)}})
