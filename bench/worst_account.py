"""Worst account: the busiest account the rules allow (100 medications, each every 15
minutes) asks the web process for its calendar feed, a week of `/api/v1/doses` (every page,
following `Link: rel=next`) and its Today page, one after another, on one uvicorn process
started as production starts it. Printed: each answer's wall time, the web process's CPU time
for it, its size, and the process's RSS before, at its peak, right after and 5 s after.

`python -m bench worst-account` runs it as part of the report; `python -m bench.worst_account`
runs it alone and rewrites only its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import harness, observe
from bench.harness import Context, say

MEDICATIONS = 100
EVERY_MINUTES = 15
DOSE_DAYS = 7
SETTLE_SECONDS = 5.0
SECTION_START = "<!-- worst-account: written by python -m bench.worst_account -->"
SECTION_END = "<!-- /worst-account -->"


def seed(email: str = "worst@example.org", medications: int = MEDICATIONS
         ) -> tuple[str, str, str]:
    """An account: (calendar token, API token, session key)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from pulserx.accounts.models import Patient, User
    from pulserx.api.models import ApiToken
    from pulserx.reminders.models import Medication, Schedule
    from pulserx.reminders.planning import replan
    from pulserx.reminders.schedule import Recurrence

    User.objects.filter(email=email).delete()
    user = User.objects.create_user(email, "a long bench password",
                                    email_verified=True)
    patient = Patient.objects.create(user=user, timezone="Europe/London")
    anchor = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    for n in range(medications):
        med = Medication.objects.create(patient=patient, name=f"Medication {n}")
        replan(Schedule.objects.create(
            patient=patient, medication=med, recurrence=Recurrence.EVERY_HOURS,
            every_minutes=EVERY_MINUTES, anchor_at=anchor + timedelta(minutes=n % EVERY_MINUTES),
            start_date=anchor.date()))
    _, api_token = ApiToken.issue(user, "bench")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return patient.calendar_token, api_token, session.session_key


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    if answer.status != 200:
        raise RuntimeError(f"GET {path} answered {answer.status} "
                           f"({answer.getheader('Location')}): {body[:200]!r}")
    return answer.status, body, answer.getheader("Link")


def timed(pid: int, port: int, paths: list[str], headers: dict[str, str]) -> dict[str, Any]:
    """GET each path (and every Link: rel=next after it): wall and web CPU seconds, bytes."""
    wall, cpu = time.perf_counter(), cpu_seconds(pid)
    size = pages = items = 0
    slowest = 0.0
    queue = list(paths)
    while queue:
        one = time.perf_counter()
        _, body, link = fetch(port, queue.pop(0), headers)
        slowest = max(slowest, time.perf_counter() - one)
        size, pages = size + len(body), pages + 1
        items += (body.count(b"BEGIN:VEVENT") or body.count(b'"due_at"')
                  or body.count(b'class="dose-row'))
        if link and (match := re.match(r"<([^>]+)>", link)):
            queue.append(match[1])
    return {"wall_s": round(time.perf_counter() - wall, 3),
            "cpu_s": round(cpu_seconds(pid) - cpu, 3), "bytes": size, "pages": pages,
            "items": items, "slowest_s": round(slowest, 3)}


def ask_everything(pid: int, port: int, tokens: tuple[str, str, str]) -> dict[str, Any]:
    calendar, api_token, session_key = tokens
    today = datetime.now(UTC).date()
    first, last = today + timedelta(days=1), today + timedelta(days=DOSE_DAYS)
    return {
        "feed": timed(pid, port, [f"/calendar/{calendar}.ics"], {}),
        "doses": timed(pid, port, [f"/api/v1/doses?from={first}&to={last}"],
                       {"Authorization": f"Bearer {api_token}"}),
        "today": timed(pid, port, ["/"], {"Cookie": f"sessionid={session_key}"}),
    }


def run(ctx: Context) -> dict[str, Any]:
    say(f"\n== worst-account: {MEDICATIONS} medications every {EVERY_MINUTES} minutes; feed, "
        f"{DOSE_DAYS} days of /doses and Today from one uvicorn process")
    harness.reset_all()
    worst = seed()
    light = seed("light@example.org", medications=1)
    var_dir = str(harness.ROOT / "var" / "bench" / "worst-account")
    env = harness.service_env(PULSERX_VAR_DIR=var_dir)
    harness.Process("collectstatic", [sys.executable, "manage.py", "collectstatic",
                                      "--noinput", "-v0"], ctx.log_dir, env).popen.wait()
    port = harness.free_port()
    server = harness.Process("web-worst", [
        sys.executable, "-m", "uvicorn", "pulserx.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--no-proxy-headers", "--ws-per-message-deflate", "false",
        "--no-access-log"], ctx.log_dir, env)
    try:
        harness.wait_for_port(port, server)
        # "Before" is a warm process: the same three requests once for a one-medication
        # account load the modules, templates and schemas any first request would.
        ask_everything(server.pid, port, light)
        sampler = observe.RssSampler(server.pid)
        before = sampler.current()
        result: dict[str, Any] = {"medications": MEDICATIONS, "every_minutes": EVERY_MINUTES,
                                  "rss_before_mb": round(before, 1)}
        result |= ask_everything(server.pid, port, worst)
        result["rss_after_mb"] = round(sampler.current(), 1)
        time.sleep(SETTLE_SECONDS)
        result["rss_settled_mb"] = round(sampler.current(), 1)
        sampler.stop()
        result["rss_peak_mb"] = round(max((rss for _, rss in sampler.samples),
                                          default=before), 1)
        result["load"] = harness.load_average()
        result["machine_cpus"] = os.cpu_count()
    finally:
        server.stop()
    for name in ("feed", "doses", "today"):
        figures = result[name]
        say(f"{name}: {figures['wall_s']:.2f} s wall, {figures['cpu_s']:.2f} s web CPU, "
            f"{figures['items']:,} doses in {figures['pages']} answer(s) (slowest "
            f"{figures['slowest_s']:.2f} s), {figures['bytes'] / 1e6:.2f} MB")
    say(f"web RSS: {result['rss_before_mb']} MB before, peak {result['rss_peak_mb']} MB, "
        f"{result['rss_after_mb']} MB right after, {result['rss_settled_mb']} MB "
        f"{SETTLE_SECONDS:.0f} s later")
    return result


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import table

    rows = [(label, f"{f['wall_s']:.2f} s", f"{f['slowest_s']:.2f} s", f"{f['cpu_s']:.2f} s",
             f"{f['items']:,} in {f['pages']}", f"{f['bytes'] / 1e6:.2f} MB")
            for label, f in (("calendar feed (30 days, capped at 3,000 events)",
                              result["feed"]),
                             (f"`/api/v1/doses`, the next {DOSE_DAYS} days, every page",
                              result["doses"]),
                             ("Today page (a day this busy lists 200 doses)", result["today"]))]
    growth = result["rss_settled_mb"] - result["rss_before_mb"]
    return [
        SECTION_START, "## The worst account", "",
        f"One patient with {result['medications']} medications, each every "
        f"{result['every_minutes']} minutes (the most the rules allow), asks one uvicorn process "
        "(the production command) for its calendar feed, then a week of `/api/v1/doses` "
        "following `Link: rel=\"next\"` to the last page, then its Today page. Before planning "
        "stopped at each answer's cap, an outside test measured 130 s of CPU for this feed, "
        "64 s and 13.9 MB for the week of doses, and a web process that grew from 266 MB to "
        "587 MB and stayed there.", "",
        table(("request", "wall, all answers", "slowest answer", "web CPU",
               "doses, answers", "size"), rows), "",
        f"Web RSS: {result['rss_before_mb']} MB before, peak {result['rss_peak_mb']} MB, "
        f"{result['rss_after_mb']} MB right after, {result['rss_settled_mb']} MB "
        f"{SETTLE_SECONDS:.0f} s later ({growth:+.1f} MB). \"Before\" is the process after the "
        "same three requests for a one-medication account (modules, templates and schemas "
        "loaded, as by any first request).", "",
        f"Load average {result['load'][0]:.2f} on {result['machine_cpus']} CPUs during the run "
        "(wall times include waiting for a CPU; web CPU is the uvicorn process's own). "
        "Measured with `python -m bench.worst_account` (also part of `make bench`, or "
        "`python -m bench worst-account`).",
        SECTION_END,
    ]


def main() -> None:
    harness.run_alone(run, section)


if __name__ == "__main__":
    main()
