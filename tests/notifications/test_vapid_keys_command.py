"""`manage.py vapid_keys` prints a pair that browsers and py_vapid both accept."""

from __future__ import annotations

from io import StringIO

from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from py_vapid import Vapid

from pulserx.notifications.transports.webpush import public_key_of
from tests.notifications.conftest import b64url_decode


def test_vapid_keys_prints_a_matching_pair_as_env_lines() -> None:
    out = StringIO()
    call_command("vapid_keys", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"]
    public, private = (line.split("=", 1)[1] for line in lines)
    assert "=" not in public + private  # base64url without padding, as browsers take it
    point = b64url_decode(public)
    assert len(point) == 65 and point[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert len(b64url_decode(private)) == 32
    assert public_key_of(Vapid.from_string(private)) == public


def test_each_run_makes_a_new_pair() -> None:
    first, second = StringIO(), StringIO()
    call_command("vapid_keys", stdout=first)
    call_command("vapid_keys", stdout=second)

    assert first.getvalue() != second.getvalue()
