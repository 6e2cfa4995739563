"""Watching processes from the outside: RSS read from /proc every 50 ms, and a subscriber
that counts the live events published on the channel layer."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Iterable
from typing import Any

from bench.harness import redis_client


def read_status(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM, RssAnon and RssFile of `pid` in MB (from /proc/<pid>/status)."""
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                key, kb, _ = line.split()
                values[key.rstrip(":")] = int(kb) / 1024
    return values


class RssSampler(threading.Thread):
    """Reads VmRSS of one process every `interval` seconds (50 ms) into `samples`."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(name=f"rss-{pid}", daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self.hwm = 0.0
        self._halt = threading.Event()
        self.start()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                status = read_status(self.pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            if "VmRSS" not in status:  # exited, not yet reaped
                return
            self.samples.append((time.time(), status["VmRSS"]))
            self.hwm = status["VmHWM"]
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)

    def current(self) -> float:
        return read_status(self.pid)["VmRSS"]

    def between(self, start: float, end: float) -> list[float]:
        return [rss for t, rss in self.samples if start <= t <= end]

    def peak(self, start: float = 0.0, end: float = math.inf) -> float:
        return max(self.between(start, end), default=0.0)

    def settled(self, seconds: float = 2.0) -> float:
        """The median RSS over the next `seconds` (idle figures)."""
        start = time.time()
        time.sleep(seconds)
        values = self.between(start, time.time())
        return statistics.median(values) if values else self.current()

    def series(self, origin: float) -> list[tuple[float, float]]:
        return [(round(t - origin, 3), round(rss, 2)) for t, rss in self.samples]


class EventCounter(threading.Thread):
    """Subscribes to every `inbox.*` group of the channel layer (PSUBSCRIBE on the group
    channel pattern) and records each event of the users it watches, with its arrival time."""

    def __init__(self, user_ids: Iterable[int]) -> None:
        super().__init__(name="event-counter", daemon=True)
        from channels.layers import get_channel_layer

        from pulserx.live import group_channel

        self.user_ids = set(user_ids)
        self.layer = get_channel_layer()
        self.prefix = group_channel("inbox.")
        self.events: list[tuple[float, int, dict[str, Any]]] = []
        self.foreign = 0
        self._halt = threading.Event()
        self._ready = threading.Event()
        self.start()
        if not self._ready.wait(10):
            raise RuntimeError("could not subscribe to the channel layer")

    def run(self) -> None:
        pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
        pubsub.psubscribe(self.prefix + "*")
        while pubsub.get_message(timeout=1) is None and not pubsub.subscribed:
            pass
        self._ready.set()
        while not self._halt.is_set():
            message = pubsub.get_message(timeout=0.05)
            if message is None or message["type"] != "pmessage":
                continue
            received = time.time()
            user_id = int(message["channel"].decode()[len(self.prefix):])
            if user_id not in self.user_ids:
                self.foreign += 1  # someone else's traffic on a shared Redis: ignored
                continue
            payload = self.layer.deserialize(message["data"])
            self.events.append((received, user_id, payload.get("event", {})))
        pubsub.close()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)

    def count(self) -> int:
        return len(self.events)

    def since(self, index: int) -> list[tuple[float, int, dict[str, Any]]]:
        return self.events[index:]
