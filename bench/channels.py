"""Channels: a wave of doses for patients with an ntfy and a Telegram channel, sent by one
real worker to loopback services that speak those APIs (ntfy's JSON publish, the Bot API's
sendMessage over TLS under its real name).

Two workers of the same code, one after the other: the first reminds a wave of patients
without channels, the second a wave of patients with ntfy + Telegram. Reported: each
worker's idle RSS (no channel message sent yet: Apprise is not loaded), its peak, and when
the last channel message was sent after the wave's due second.
"""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import harness, observe
from bench.harness import Context, say
from bench.push_service import certificate_for

WAVE = 100
TARGET_S = 2.0
SECTION_START = "<!-- channels: written by python -m bench.channels -->"
SECTION_END = "<!-- /channels -->"
BOT_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


class LoopbackServices:
    """ntfy on http://127.0.0.1:<port>, Telegram's Bot API on https://127.0.0.1:<port>
    with a certificate for api.telegram.org."""

    def __init__(self) -> None:
        self.received = {"ntfy": 0, "telegram": 0}
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="pulserx-bench-channels-")
        self.cert, key = certificate_for(["api.telegram.org"], Path(self._dir.name))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(self.cert, key)
        self.ntfy = self._serve("ntfy", None)
        self.telegram = self._serve("telegram", tls)

    def _serve(self, name: str, tls: ssl.SSLContext | None) -> ThreadingHTTPServer:
        services = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, each answer waits for
            # the client's delayed ACK (40 ms), as no real service's does.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with services._lock:
                    services.received[name] += 1
                body = json.dumps({"ok": True, "result": {}} if name == "telegram"
                                  else {"id": "m"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def worker_env(self) -> dict[str, str]:
        extra = {name: os.environ[name] for name in ("PULSERX_CHANNEL_THREADS",
                                                     "PULSERX_WORKER_THREADS")
                 if name in os.environ}
        return {**extra, "PULSERX_CHANNEL_HOSTS": "127.0.0.1",
                "REQUESTS_CA_BUNDLE": str(self.cert),
                "BENCH_CHANNEL_DNS":
                    f"api.telegram.org=127.0.0.1:{self.telegram.server_address[1]}"}

    def close(self) -> None:
        for server in (self.ntfy, self.telegram):
            server.shutdown()
            server.server_close()
        self._dir.cleanup()


def add_channels(people: list[harness.Person], services: LoopbackServices) -> None:
    from django.conf import settings

    from pulserx.accounts.models import User
    from pulserx.notifications.channels.editing import add_channel

    settings.PULSERX_CHANNEL_HOSTS = ["127.0.0.1"]  # as the worker's environment says
    for person in people:
        user = User.objects.get(pk=person.user_id)
        add_channel(user, "ntfy", "Phone", {
            "server": f"http://127.0.0.1:{services.ntfy.server_address[1]}",
            "topic": f"bench-{person.user_id}"})
        add_channel(user, "telegram", "Telegram", {"bot_token": BOT_TOKEN,
                                                   "chat_id": str(100000 + person.user_id)})


def wait_channel_messages(first: int, last: int, timeout: float) -> tuple[float, float]:
    """When the first and the last channel delivery of doses first..last was sent (epoch
    seconds, from the rows' `sent_at`)."""
    from pulserx.notifications.models import Channel, Delivery, DeliveryStatus

    deliveries = Delivery.objects.filter(channel=Channel.SERVICE,
                                         notification__dose__id__range=(first, last))
    deadline = time.time() + timeout
    while time.time() < deadline:
        total = deliveries.count()
        if total and deliveries.filter(status=DeliveryStatus.SENT).count() == total:
            sent = sorted(deliveries.values_list("sent_at", flat=True))
            return sent[0].timestamp(), sent[-1].timestamp()
        failed = deliveries.exclude(last_error="").values_list("last_error", flat=True)[:1]
        if failed:
            raise RuntimeError(f"a channel message failed: {failed[0]}")
        time.sleep(0.05)
    raise RuntimeError(f"channel messages not all sent in {timeout:.0f} s")


def measure(ctx: Context, people: list[harness.Person], name: str,
            services: LoopbackServices, with_channels: bool) -> dict[str, Any]:
    harness.truncate_doses()
    worker = harness.start_worker(ctx, name, ("--include", "bench.channel_dns"),
                                  **services.worker_env())
    sampler = observe.RssSampler(worker.pid)
    try:
        harness.wait_for_ticks(worker, ticks=5)
        idle = sampler.settled(2.0)
        due = harness.next_whole_second(time.time() + 1.5)
        first, last = harness.insert_doses(
            harness.due_burst(people, WAVE, harness.as_datetime(due)))
        result: dict[str, Any] = {"idle_rss_mb": round(idle, 1)}
        if with_channels:
            first_at, last_at = wait_channel_messages(first, last, timeout=60)
            result["first_sent_s"] = round(first_at - due, 3)
            result["sent_s"] = round(last_at - due, 3)
        else:
            deadline = time.time() + 30
            while harness.delivered(first, last)[1] < WAVE:
                if time.time() > deadline:
                    raise RuntimeError("the wave was not reminded in 30 s")
                time.sleep(0.05)
            result["sent_s"] = round(time.time() - due, 3)
        time.sleep(1.0)
        result["peak_rss_mb"] = round(sampler.peak(due - 1.0, time.time()), 1)
        result["hwm_mb"] = round(observe.read_status(worker.pid)["VmHWM"], 1)
    finally:
        sampler.stop()
        worker.stop()
    return result


def run(ctx: Context) -> dict[str, Any]:
    say(f"\n== channels: a wave of {WAVE} doses, without channels and with ntfy + Telegram")
    harness.reset_all()
    seeded = harness.seed_patients(2 * WAVE)
    plain, reached = seeded[:WAVE], seeded[WAVE:]
    services = LoopbackServices()
    try:
        add_channels(reached, services)
        without = measure(ctx, plain, "channels-worker-without", services, False)
        say(f"  without channels: idle {without['idle_rss_mb']} MB, peak "
            f"{without['peak_rss_mb']} MB (VmHWM {without['hwm_mb']} MB); reminded in "
            f"{without['sent_s']} s")
        with_ = measure(ctx, reached, "channels-worker-with", services, True)
        say(f"  with ntfy + Telegram: idle {with_['idle_rss_mb']} MB, peak "
            f"{with_['peak_rss_mb']} MB (VmHWM {with_['hwm_mb']} MB); {2 * WAVE} channel "
            f"messages sent from {with_['first_sent_s']} s to {with_['sent_s']} s after their "
            f"due second "
            f"(ntfy received {services.received['ntfy']}, Telegram "
            f"{services.received['telegram']})")
    finally:
        services.close()
    return {"wave": WAVE, "without": without, "with": with_,
            "received": dict(services.received)}


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import table

    without, with_ = result["without"], result["with"]
    met = "met" if with_["sent_s"] <= TARGET_S else (
        f"missed by {with_['sent_s'] - TARGET_S:.2f} s")
    rows: list[tuple[str, ...]] = [
            ("without channels", f"{without['idle_rss_mb']} MB", f"{without['peak_rss_mb']} MB",
             f"{without['hwm_mb']} MB", f"reminded in {without['sent_s']} s"),
            ("with ntfy + Telegram", f"{with_['idle_rss_mb']} MB", f"{with_['peak_rss_mb']} MB",
             f"{with_['hwm_mb']} MB",
             f"{2 * result['wave']} channel messages sent {with_['first_sent_s']} to "
             f"{with_['sent_s']} s after due")]
    ratio = with_["peak_rss_mb"] / without["peak_rss_mb"]
    return [
        SECTION_START, "## Channels", "",
        f"A wave of {result['wave']} doses due in one second, reminded by one worker "
        "(`python manage.py worker`), first for patients without channels, then, by a fresh "
        "worker of the same code, for patients who each have an ntfy and a Telegram channel, "
        "answered by loopback services that speak those APIs.", "",
        table(("worker", "idle RSS", "peak RSS", "VmHWM", "wave"), rows), "",
        f"Peak with channels / without: {ratio:.2f}x (target: peak ≤ 110 MB). Last channel "
        f"message within {TARGET_S:.0f} s of due: {met}. ntfy received "
        f"{result['received']['ntfy']}, Telegram {result['received']['telegram']}. "
        "Measured with `python -m bench.channels` (also part of `make bench`, or "
        "`python -m bench channels`).",
        SECTION_END,
    ]


def main() -> None:
    harness.run_alone(run, section)


if __name__ == "__main__":
    main()
