"""Web: the RSS of one uvicorn process (`uvicorn pulserx.asgi:application`) holding N open,
authenticated WebSockets on /ws/notifications/.

Each socket signs in with a real session (Django's SessionStore) and an Origin the server
accepts. Once all are open, one live event per user is published through the channel layer
and every socket must receive it: the sockets are proven live, not just open. Browsers
offer permessage-deflate, so every socket here offers it too. The main figure is the
production command (`--ws-per-message-deflate false`: live events are small JSON, and
compression state costs ~35 KB per socket); a second uvicorn with uvicorn's default
(deflate accepted) shows what compression would cost.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, observe
from bench.harness import Context, Person, say

UVICORN = str(Path(sys.executable).parent / "uvicorn")
WAVE = 100


def create_sessions(people: list[Person]) -> dict[int, str]:
    """A signed-in session per user, as django.contrib.auth.login would leave it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from pulserx.accounts.models import User

    keys = {}
    for user in User.objects.filter(pk__in=[p.user_id for p in people]):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.pk] = session.session_key
    return keys


async def open_sockets(port: int, sessions: dict[int, str], sampler: observe.RssSampler,
                       compression: str | None) -> tuple[list[Any], list[tuple[int, float]],
                                                         list[str]]:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/notifications/"
    origin = f"http://127.0.0.1:{port}"
    sockets: list[Any] = []
    curve = [(0, sampler.current())]
    errors: list[str] = []
    users = list(sessions.items())

    async def one(session_key: str) -> Any:
        try:
            return await connect(url, origin=origin, compression=compression, proxy=None,
                                 additional_headers={"Cookie": f"sessionid={session_key}"},
                                 open_timeout=30)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
            return None

    for start in range(0, len(users), WAVE):
        opened = await asyncio.gather(*(one(key) for _, key in users[start:start + WAVE]))
        sockets.extend(s for s in opened if s is not None)
        await asyncio.sleep(0.3)
        curve.append((len(sockets), sampler.current()))
    return sockets, curve, errors


async def prove_live(sockets: list[Any], user_ids: list[int]) -> int:
    """Publish one event per user; count the sockets that receive it within 15 s."""
    from pulserx import live
    from pulserx.live import inbox_group

    await asyncio.sleep(1.0)  # group_add subscriptions settle
    events = [(inbox_group(uid), {"type": "inbox.event",
                                  "event": {"kind": "ping", "user_id": uid}})
              for uid in user_ids]
    await asyncio.to_thread(live.publish, events)

    async def receive(socket: Any) -> bool:
        try:
            await asyncio.wait_for(socket.recv(), timeout=15)
        except Exception:
            return False
        return True

    return sum(await asyncio.gather(*(receive(s) for s in sockets)))


async def close_all(sockets: list[Any]) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


def measure(ctx: Context, sessions: dict[int, str], server_deflate: bool,
            name: str) -> dict[str, Any]:
    port = harness.free_port()
    server = harness.Process(name, [UVICORN, "pulserx.asgi:application", "--host", "127.0.0.1",
                                    "--port", str(port), "--log-level", "warning",
                                    f"--ws-per-message-deflate={str(server_deflate).lower()}"],
                             ctx.log_dir, harness.service_env())
    sampler = observe.RssSampler(server.pid)
    try:
        harness.wait_for_port(port, server)
        idle = sampler.settled(2.0)

        async def scenario() -> tuple[Any, ...]:
            sockets, curve, errors = await open_sockets(port, sessions, sampler, "deflate")
            received = await prove_live(sockets, list(sessions)[:len(sockets)])
            held = await asyncio.to_thread(sampler.settled, 3.0)
            await close_all(sockets)
            return len(sockets), curve, errors, received, held

        opened, curve, errors, received, held = asyncio.run(scenario())
        hwm = observe.read_status(server.pid)["VmHWM"]
        server.check_alive()
    finally:
        sampler.stop()
        server.stop()
    per_socket = (held - idle) * 1024 / opened if opened else 0.0
    # The first wave also pays for one-off imports and connections; the slope after it is
    # what each further socket costs.
    (n1, rss1), (n2, rss2) = curve[1] if len(curve) > 1 else curve[0], curve[-1]
    marginal = (rss2 - rss1) * 1024 / (n2 - n1) if n2 > n1 else per_socket
    return {"compression": "deflate" if server_deflate else "none", "sockets": opened,
            "errors": errors[:5],
            "error_count": len(errors), "received": received, "idle_rss_mb": round(idle, 1),
            "rss_mb": round(held, 1), "hwm_mb": round(hwm, 1),
            "per_socket_kb": round(per_socket, 1), "marginal_kb": round(marginal, 1),
            "curve": [(n, round(rss, 1)) for n, rss in curve]}


def run(ctx: Context) -> dict[str, Any]:
    count = ctx.sizes.sockets
    say(f"\n== web: one uvicorn process holding {count:,} authenticated WebSockets")
    harness.reset_all()
    people = harness.seed_patients(max(count, ctx.sizes.patients))[:count]
    started = time.time()
    sessions = create_sessions(people)
    say(f"created {len(sessions):,} sessions in {time.time() - started:.1f} s")
    results = {}
    for server_deflate, name in ((False, "uvicorn-production"), (True, "uvicorn-deflate")):
        result = measure(ctx, sessions, server_deflate, name)
        results[result["compression"]] = result
        say(f"permessage-{result['compression']}: {result['sockets']:,} sockets open "
            f"({result['error_count']} failed), {result['received']:,} received their live "
            f"event; uvicorn RSS {result['idle_rss_mb']} MB idle → {result['rss_mb']} MB "
            f"({result['per_socket_kb']} KB per socket on average, {result['marginal_kb']} KB "
            f"each after the first {WAVE}), VmHWM {result['hwm_mb']} MB")
        for error in result["errors"]:
            say(f"  error: {error}")
    return {"sockets": count, "main": results["none"], "plain": results["deflate"]}
