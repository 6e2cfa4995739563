"""Imported by the channels benchmark's worker (`manage.py worker --include`): the public
names in BENCH_CHANNEL_DNS ("api.telegram.org=127.0.0.1:8443,…") resolve to the loopback
services of the benchmark, through PulseRx's own DNS seam (`channels.addresses.resolve`).
Nothing else changes: the address is still checked, TLS still verified."""

from __future__ import annotations

import os
import socket

from pulserx.notifications.channels import addresses

_MAP = {}
for entry in filter(None, os.environ.get("BENCH_CHANNEL_DNS", "").split(",")):
    name, _, target = entry.partition("=")
    host, _, port = target.rpartition(":")
    _MAP[name] = (host, int(port))
_real_resolve = addresses.resolve


def _resolve(host: str, port: int) -> list[addresses.SockAddr]:
    if host in _MAP:
        return [(socket.AF_INET, _MAP[host])]
    return _real_resolve(host, port)


addresses.resolve = _resolve
