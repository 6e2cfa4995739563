"""Web past one process: two uvicorn processes (the production command) behind the same
channel layer, N authenticated WebSockets split evenly across them.

Every socket signs in with its own session; once all are open, one live event per user is
published through the channel layer (one pipeline, from this process, as the worker does)
and the time until every socket has received its own event is measured. Reported per
process: RSS idle and with its sockets, KB per socket; then how many open apps one 512 MB
web instance would hold at that cost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import harness, observe
from bench.harness import Context, Person, say
from bench.web import UVICORN, WAVE

PROCESSES = 2
INSTANCE_MB = 512
HEADROOM = 0.8  # keep a fifth of the instance free for spikes, GC and the kernel's share


def create_sessions(people: list[Person]) -> dict[int, str]:
    """A signed-in session per user, written in bulk (as login() would leave each one)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from pulserx.accounts.models import User

    store = SessionStore()
    expiry = store.get_expiry_date()
    keys: dict[int, str] = {}
    rows = []
    for user in User.objects.filter(pk__in=[p.user_id for p in people]):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"}
        rows.append(Session(session_key=key, session_data=store.encode(data),
                            expire_date=expiry))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def start_servers(ctx: Context) -> list[tuple[harness.Process, int, observe.RssSampler]]:
    servers = []
    for n in range(PROCESSES):
        port = harness.free_port()
        process = harness.Process(
            f"uvicorn-pair-{n}", [UVICORN, "pulserx.asgi:application", "--host", "127.0.0.1",
                                  "--port", str(port), "--log-level", "warning",
                                  "--ws-per-message-deflate=false"],
            ctx.log_dir, harness.service_env())
        servers.append((process, port, observe.RssSampler(process.pid)))
    for process, port, _ in servers:
        harness.wait_for_port(port, process)
    return servers


async def connect_all(ports: list[int], sessions: dict[int, str],
                      samplers: list[observe.RssSampler]
                      ) -> tuple[dict[int, Any], dict[int, int], list[str], list[float]]:
    """Open one socket per user, user n on server n % len(ports), in waves."""
    from websockets.asyncio.client import connect

    sockets: dict[int, Any] = {}
    server_of: dict[int, int] = {}
    errors: list[str] = []

    async def one(index: int, user_id: int, key: str) -> None:
        port = ports[index % len(ports)]
        try:
            sockets[user_id] = await connect(
                f"ws://127.0.0.1:{port}/ws/notifications/", origin=f"http://127.0.0.1:{port}",
                compression="deflate", proxy=None, open_timeout=60, max_queue=4,
                additional_headers={"Cookie": f"sessionid={key}"})
            server_of[user_id] = index % len(ports)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")

    users = list(sessions.items())
    after_first: list[float] = []
    wave = WAVE * len(ports)
    for start in range(0, len(users), wave):
        await asyncio.gather(*(one(start + i, uid, key)
                               for i, (uid, key) in enumerate(users[start:start + wave])))
        if not after_first:  # the first wave also pays for one-off imports and connections
            await asyncio.sleep(0.5)
            after_first = [s.current() for s in samplers]
    return sockets, server_of, errors, after_first


async def deliver_one_each(sockets: dict[int, Any]) -> tuple[float, list[float], int]:
    """Publish one event per user; return (publish start, arrival delays, wrong events)."""
    from pulserx import live
    from pulserx.live import inbox_group

    await asyncio.sleep(2.0)  # the last group_add subscriptions settle
    wrong = 0

    async def receive(user_id: int, socket: Any) -> float | None:
        nonlocal wrong
        try:
            raw = await asyncio.wait_for(socket.recv(), timeout=60)
        except Exception:
            return None
        if f'"user_id": {user_id}' not in raw and f'"user_id":{user_id}' not in raw:
            wrong += 1
        return time.time()

    waiting = [asyncio.ensure_future(receive(uid, s)) for uid, s in sockets.items()]
    events = [(inbox_group(uid), {"type": "inbox.event", "event": {"kind": "ping",
                                                                     "user_id": uid}})
              for uid in sockets]
    started = time.time()
    await asyncio.to_thread(live.publish, events)
    arrivals = await asyncio.gather(*waiting)
    return started, [t - started for t in arrivals if t is not None], wrong


def measure(ctx: Context, sessions: dict[int, str]) -> dict[str, Any]:
    servers = start_servers(ctx)
    try:
        idle = [sampler.settled(2.0) for _, _, sampler in servers]

        async def scenario() -> tuple[Any, ...]:
            opening = time.time()
            sockets, server_of, errors, first = await connect_all(
                [p for _, p, _ in servers], sessions, [s for _, _, s in servers])
            opened_s = time.time() - opening
            _, delays, wrong = await deliver_one_each(sockets)
            held = [await asyncio.to_thread(s.settled, 3.0) for _, _, s in servers]
            await asyncio.gather(*(s.close() for s in sockets.values()),
                                 return_exceptions=True)
            return sockets, server_of, errors, first, opened_s, delays, wrong, held

        (sockets, server_of, errors, first, opened_s, delays, wrong,
         held) = asyncio.run(scenario())
        hwm = [observe.read_status(p.pid)["VmHWM"] for p, _, _ in servers]
        for process, _, _ in servers:
            process.check_alive()
    finally:
        for process, _, sampler in servers:
            sampler.stop()
            process.stop()
    per_process = []
    for n in range(PROCESSES):
        count = sum(1 for s in server_of.values() if s == n)
        kb = (held[n] - idle[n]) * 1024 / count if count else None
        later = count - WAVE
        marginal = (held[n] - first[n]) * 1024 / later if later > 0 else kb
        per_process.append({"sockets": count, "idle_rss_mb": round(idle[n], 1),
                            "rss_mb": round(held[n], 1), "hwm_mb": round(hwm[n], 1),
                            "per_socket_kb": round(kb, 1) if kb else None,
                            "marginal_kb": round(marginal, 1) if marginal else None})
    return {"sockets": len(sockets), "requested": len(sessions), "errors": errors[:5],
            "error_count": len(errors), "open_s": round(opened_s, 1),
            "received": len(delays), "wrong_events": wrong,
            "all_received_s": round(max(delays), 3) if len(delays) == len(sockets) else None,
            "median_received_s": round(sorted(delays)[len(delays) // 2], 3) if delays else None,
            "processes": per_process}


def project(result: dict[str, Any]) -> dict[str, Any]:
    """Open apps one 512 MB instance holds at the measured cost per socket."""
    costs = [p["marginal_kb"] for p in result["processes"] if p["marginal_kb"]]
    idles = [p["idle_rss_mb"] for p in result["processes"]]
    if not costs:
        return {}
    kb, idle = max(costs), max(idles)
    usable = INSTANCE_MB * HEADROOM - idle
    return {"kb_per_socket": kb, "idle_mb": idle, "usable_mb": round(usable, 1),
            "sockets_per_instance": int(usable * 1024 / kb)}


def run(ctx: Context) -> dict[str, Any]:
    count = ctx.sizes.pair_sockets
    say(f"\n== web-pair: {PROCESSES} uvicorn processes, {count:,} authenticated WebSockets "
        "split across them")
    harness.reset_all()
    people = harness.seed_patients(count)
    started = time.time()
    sessions = create_sessions(people)
    say(f"created {len(sessions):,} sessions in {time.time() - started:.1f} s")
    result = measure(ctx, sessions)
    result["load"] = harness.load_average()
    result["projection"] = project(result)
    say(f"{result['sockets']:,} sockets open ({result['error_count']} failed) in "
        f"{result['open_s']} s; {result['received']:,} received their event, the last "
        f"{result['all_received_s']} s after publishing (median {result['median_received_s']} s)"
        f"; {result['wrong_events']} got someone else's")
    for n, p in enumerate(result["processes"]):
        say(f"  uvicorn {n}: {p['sockets']:,} sockets, RSS {p['idle_rss_mb']} MB idle → "
            f"{p['rss_mb']} MB ({p['per_socket_kb']} KB per socket, {p['marginal_kb']} KB each "
            f"after the first {WAVE}), VmHWM {p['hwm_mb']} MB")
    for error in result["errors"]:
        say(f"  error: {error}")
    proj = result["projection"]
    if proj:
        say(f"one {INSTANCE_MB} MB instance at {HEADROOM:.0%}: ({proj['usable_mb']} MB after "
            f"{proj['idle_mb']} MB idle) / {proj['kb_per_socket']} KB ≈ "
            f"{proj['sockets_per_instance']:,} patients with the app open")
    return result


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import fmt, table

    rows = [(str(n), f"{p['sockets']:,}", fmt(p["idle_rss_mb"]), fmt(p["rss_mb"]),
             fmt(p["hwm_mb"]), fmt(p["per_socket_kb"]), fmt(p["marginal_kb"]))
            for n, p in enumerate(result["processes"])]
    load = result["load"]
    median = fmt(result["median_received_s"], " s", 3)
    lines = ["## Web past one process", "",
             f"{PROCESSES} `uvicorn pulserx.asgi:application --ws-per-message-deflate=false` "
             f"processes on the same channel layer; {result['requested']:,} users, each with "
             "its own signed-in session, open one WebSocket each, alternating between the "
             "processes. One live event per user is then published in one pipeline and every "
             "socket must receive its own.", "",
             f"- {result['sockets']:,} sockets open ({result['error_count']} failed) in "
             f"{result['open_s']} s; {result['received']:,} received their event; "
             f"{result['wrong_events']} received another user's",
             f"- time until every socket had its event: {fmt(result['all_received_s'], ' s', 3)}"
             f" after the publish started (median socket {median})",
             f"- load average after the scenario: {load[0]:.2f}", "",
             table(("process", "sockets", "RSS idle (MB)", "RSS with sockets (MB)",
                    "VmHWM (MB)", "KB per socket", f"KB per socket after the first {WAVE}"),
                   rows)]
    proj = result.get("projection")
    if proj:
        lines += ["", f"**Projection**: one {INSTANCE_MB} MB web instance, keeping "
                  f"{1 - HEADROOM:.0%} free, has {proj['usable_mb']:.0f} MB for sockets after "
                  f"its {proj['idle_mb']:.1f} MB idle process; at the measured "
                  f"{proj['kb_per_socket']} KB per further socket (the costlier process) that "
                  "is about "
                  f"**{proj['sockets_per_instance']:,} patients with the app open** per "
                  "instance. CPU is not the limit at one event per user per dose time; memory "
                  "is, and it grows linearly with open sockets (see the one-process curve)."]
    return lines
