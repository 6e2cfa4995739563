"""The report of one run: docs/benchmarks.md (figures, targets, ratios) and docs/rss.png.

Every number written here comes from `results`, measured in the run that writes it; the
only constants are the targets the figures are judged against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# (figure, target, unit): the targets PulseRx is held to, at the full sizes.
BURST_TARGET_S, BURST_AIM_S = 1.0, 0.8
IDLE_TARGET_MB, PEAK_TARGET_MB = 75.0, 90.0
PENDING_TARGET_MB, SOAK_TARGET_MB, WEB_TARGET_MB = 5.0, 5.0, 150.0
LATENESS_TARGET_S = 1.0


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def verdict(measured: float | None, target: float, unit: str, digits: int = 1) -> str:
    if measured is None:
        return "not measured"
    if measured <= target:
        return "met"
    return f"missed by {measured - target:,.{digits}f}{unit}"


def ratio(pulserx: float | None, classic: float | None) -> str:
    if not pulserx or not classic:
        return "-"
    return f"{pulserx / classic:.3g}"


def ok(results: dict[str, Any], name: str) -> dict[str, Any] | None:
    result = results.get(name)
    return result if result and "error" not in result else None


# --- the tables

def target_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    burst, pending, soak = ok(results, "burst"), ok(results, "pending"), ok(results, "soak")
    web, slow = ok(results, "web"), ok(results, "slow")
    if burst:
        n = burst["doses"]
        done = burst["published_s"]
        rows.append((f"burst: {n:,} doses due in one second, all committed and published "
                     f"(median of {len(burst.get('runs') or [1])} runs)",
                     f"<= {BURST_TARGET_S:g} s (aim <= {BURST_AIM_S:g} s)",
                     f"committed {fmt(burst['committed_s'], ' s', 2)}, "
                     f"published {fmt(done, ' s', 2)}",
                     verdict(done, BURST_TARGET_S, " s", 2)
                     + ("" if done is None or done > BURST_TARGET_S else
                        "; aim " + verdict(done, BURST_AIM_S, " s", 2))))
        rows.append(("worker RSS, idle (after startup and 5 ticks)", f"<= {IDLE_TARGET_MB:g} MB",
                     fmt(burst["idle_rss_mb"], " MB"),
                     verdict(burst["idle_rss_mb"], IDLE_TARGET_MB, " MB")))
        rows.append((f"worker RSS, peak during the {n:,} burst and the push wave after it (VmHWM)",
                     f"<= {PEAK_TARGET_MB:g} MB",
                     f"{fmt(burst['peak_rss_mb'], ' MB')} (VmHWM {fmt(burst['hwm_mb'], ' MB')})",
                     verdict(burst["hwm_mb"], PEAK_TARGET_MB, " MB")))
    if pending:
        rows.append((f"worker RSS idle, 0 vs {pending['doses']:,} future doses",
                     f"within {PENDING_TARGET_MB:g} MB",
                     f"{fmt(pending['empty']['rss_mb'], ' MB')} vs "
                     f"{fmt(pending['full']['rss_mb'], ' MB')} "
                     f"({pending['difference_mb']:+.1f} MB)",
                     verdict(abs(pending["difference_mb"]), PENDING_TARGET_MB, " MB")))
    if soak:
        rows.append((f"soak: RSS growth over {soak['deliveries']:,} deliveries "
                     "(after wave 1 to the last)", f"<= {SOAK_TARGET_MB:g} MB",
                     f"{soak['growth_mb']:+.1f} MB ({soak['growth_from_idle_mb']:+.1f} MB from "
                     "idle)", verdict(soak["growth_mb"], SOAK_TARGET_MB, " MB")))
    if web:
        main = web["main"]
        rows.append((f"web: one uvicorn process, {main['sockets']:,} open authenticated "
                     "WebSockets (production command)", f"<= {WEB_TARGET_MB:g} MB",
                     fmt(main["rss_mb"], " MB"), verdict(main["rss_mb"], WEB_TARGET_MB, " MB")))
    scale = ok(results, "scale-out")
    if scale:
        runs = scale["burst"] + scale["peak"]
        dups = sum(r["duplicate_inbox_rows"] + r["alerted_more_than_once"] +
                   max(0, r["logged_total"] - r["doses"]) for r in runs)
        rows.append((f"scale-out: duplicates over {len(runs)} runs of 1, 2 and 4 workers",
                     "0", str(dups), "met" if dups == 0 else f"missed by {dups}"))
    if slow:
        skipped = slow["seconds_without_tick"]
        rows.append(("slow channel: tick start after its whole second, while 10 s emails run",
                     f"< {LATENESS_TARGET_S:g} s",
                     f"max {fmt(slow['tick_lateness_max_s'] * 1000, ' ms', 0)}, "
                     f"{skipped} seconds without a tick",
                     f"missed: {skipped} seconds had no tick" if skipped else
                     verdict(slow["tick_lateness_max_s"], LATENESS_TARGET_S, " s", 3)))
        rows.append(("slow channel: Notification.created_at - due_at", f"< {LATENESS_TARGET_S:g} s",
                     f"max {fmt(slow['created_minus_due_max_s'] * 1000, ' ms', 0)} (live event: "
                     f"max {fmt(slow['event_minus_due_max_s'] * 1000, ' ms', 0)})",
                     verdict(slow["created_minus_due_max_s"], LATENESS_TARGET_S, " s", 3)))
    return rows


def ratio_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    """figure | PulseRx | procrastinate | PulseRx/procrastinate | classic | PulseRx/classic"""
    burst, classic, pending = ok(results, "burst"), ok(results, "classic"), ok(results, "pending")
    rival = ok(results, "rival")
    from bench.rival import best_of, time_text

    best = best_of(rival) if rival else {}
    classic = classic or {}
    if not (burst and (classic or rival)):
        return []
    total = classic.get("total_s")
    classic_time = (f"{fmt(total, ' s')} (extrapolated: {classic['completed']:,} done in "
                    f"{classic_timeout(classic)})" if classic.get("extrapolated") else
                    fmt(total, " s", 2))

    def row(label: str, ours: float | None, theirs: float | None, old: float | None,
            unit: str, digits: int = 1, old_text: str | None = None,
            their_text: str | None = None) -> tuple[str, ...]:
        return (label, fmt(ours, unit, digits), their_text or fmt(theirs, unit, digits),
                ratio(ours, theirs), old_text or fmt(old, unit, digits), ratio(ours, old))

    label = (f"time from the due second until all {burst['doses']:,} reminders are committed "
             "and published" + (f" (procrastinate: concurrency {best['concurrency']}, its "
                                "fastest)" if best else ""))
    rows = [row(label, burst["published_s"], best.get("total_s"), total, " s", 2,
                classic_time, time_text(best) if best else None),
            row("worker RSS, idle", burst["idle_rss_mb"], best.get("idle_rss_mb"),
                classic.get("idle_rss_mb"), " MB")]
    if pending and classic:
        per_dose = pending["difference_mb"] * 1024 / pending["doses"]
        rows.append((f"worker RSS with reminders pending (PulseRx: {pending['doses']:,} rows in "
                     f"the database; classic: {classic['doses']:,} eta tasks in RAM)",
                     fmt(pending["full"]["rss_mb"], " MB"), "-", "-",
                     fmt(classic["waiting_rss_mb"], " MB"),
                     ratio(pending["full"]["rss_mb"], classic["waiting_rss_mb"])))
        rows.append(("worker RAM per pending reminder",
                     f"{per_dose:.4f} KB" if per_dose > 0 else "none measurable",
                     "rows in the database", "-", f"{classic['per_task_kb']:.2f} KB",
                     ratio(per_dose, classic["per_task_kb"]) if per_dose > 0 else "~0"))
    rows.append(row("worker RSS peak during the burst (VmHWM)", burst["hwm_mb"],
                    best.get("hwm_mb"), classic.get("hwm_mb"), " MB"))
    dup = classic.get("duplicates") or {}
    rows.append(("reminders delivered twice (live events)",
                 str(burst["events"] - burst["distinct_doses_in_events"]),
                 str(best["duplicate_live_events"]) if best else "-", "-",
                 (f"{dup['doses_run_more_than_once']} of {dup['tasks']} after a broker "
                  "redelivery") if "tasks" in dup else "-", "-"))
    return rows


RATIO_HEADER = ("side by side, same data", "PulseRx", "procrastinate", "PulseRx/procrastinate",
                "classic (Celery eta)", "PulseRx/classic")


def classic_timeout(classic: dict[str, Any]) -> str:
    done, rate = classic["completed"], classic["rate_per_s"]
    return f"{done / rate:.0f} s at {rate}/s" if rate else "the time limit"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(meta: dict[str, Any], results: dict[str, Any]) -> str:
    parts = [table(("figure", "target", "measured", "verdict"), target_rows(results))]
    ratios = ratio_rows(results)
    if ratios:
        parts.append(table(RATIO_HEADER, ratios))
    failed = [name for name, result in results.items() if "error" in result]
    if failed:
        parts.append("scenarios that failed: " + ", ".join(failed))
    return "\n\n".join(parts)


# --- the document

BUSY_CPU = 0.25  # other work using more than this share of the CPUs makes the run "busy"


def busy_text(meta: dict[str, Any]) -> str:
    before, after = meta["cpu_before"], meta["cpu_after"]
    shares = f"{before:.0%} of the CPUs before the run and {after:.0%} after it"
    if max(before, after) > BUSY_CPU:
        return (f"- the machine was **busy**: other work used the CPUs ({shares}; sampled from "
                "/proc/stat while no benchmark process ran), so times are pessimistic and "
                "should be taken again on a quiet machine")
    return f"- the machine was quiet: other work used {shares} (/proc/stat)"


def machine_lines(meta: dict[str, Any]) -> list[str]:
    m = meta["machine"]
    loads = ", ".join(f"{name} {load[0]:.2f}" for name, load in meta["loads"])
    return [
        f"- command: `{meta['command']}` (commit {meta['commit']})",
        f"- date: {meta['started']} to {meta['finished']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Linux {m['kernel']}",
        f"- software: Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']}, "
        f"Redis {m['redis']}",
        f"- database and Redis: `{meta['database']}`, `{meta['redis']}` (same machine, loopback)",
        f"- load average (1 min, includes the benchmark's own processes): "
        f"{meta['load_before'][0]:.2f} before; after each scenario: {loads}",
        busy_text(meta),
        *(f"- {note}" for note in meta.get("notes", [])),
    ]


def runs_lines(burst: dict[str, Any]) -> list[str]:
    runs = burst.get("runs") or []
    if not runs:
        return []
    each = "; ".join(f"run {n}: published {fmt(r['published_s'], ' s', 3)} (committed "
                     f"{fmt(r['committed_s'], ' s', 3)}), idle {fmt(r['idle_rss_mb'], ' MB')}, "
                     f"VmHWM {fmt(r['hwm_mb'], ' MB')}, load {r['load'][0]:.2f}"
                     for n, r in enumerate(runs, 1))
    return [f"- {len(runs)} runs, each with a fresh worker; the figures judged are the median "
            f"run's time and the worst run's memory. {each}"]


def burst_section(burst: dict[str, Any]) -> list[str]:
    lines = ["## Burst", "",
             f"{burst['doses']:,} doses due in the same second across {burst['patients']:,} "
             "patients, delivered by one `python manage.py worker`. Times are measured from the "
             "due second: *committed* is when every dose is `notified` with its Notification "
             "row (the database polled every 20 ms), *published* when the last live event "
             "reached a subscriber on the channel layer (PSUBSCRIBE `asgi__group__inbox.*`).", "",
             *runs_lines(burst),
             f"- the median run: committed {fmt(burst['committed_s'], ' s', 3)}; first live event "
             f"{fmt(burst['first_event_s'], ' s', 3)}; last live event "
             f"{fmt(burst['published_s'], ' s', 3)} ({burst['events']:,} events, "
             f"{burst['distinct_doses_in_events']:,} distinct doses)",
             f"- then, in the same worker, {burst.get('pushes', 0):,} doses due in one second "
             f"for {burst.get('push_patients', 0):,} more patients who have a Web Push "
             "subscription: each is pushed "
             "(encrypted, VAPID-signed, over TLS) to a push service on loopback, all sent "
             f"{fmt(burst.get('pushed_s'), ' s', 3)} after their due second; the peak below "
             "includes them, so it is the peak of a worker with push in use",
             f"- worker RSS (the worst of the runs): idle {fmt(burst['idle_rss_mb'], ' MB')}, peak "
             f"{fmt(burst['peak_rss_mb'], ' MB')} (VmRSS every 50 ms), VmHWM "
             f"{fmt(burst['hwm_mb'], ' MB')}"]
    for beat in burst["worker_ticks"]:
        lines.append(f"- the worker's tick that delivered them reminded {beat['reminded']:,} "
                     f"in {beat['took']:.3f} s (its heartbeat)")
    breakdown = burst.get("breakdown")
    if breakdown:
        floors = breakdown["floors"]
        lines += ["", "### Where the time goes", "",
                  f"The same burst once more, through the product's own `tick()` called in the "
                  f"bench process with a timer around each step and each SQL statement: "
                  f"{breakdown['reminded']:,} reminded in {breakdown['wall_s']:.3f} s. "
                  "*Own Python* is the time a step spent outside its timed parts. This tick "
                  "runs its batches one after another; the worker drains a burst with its tick "
                  "thread and a helper thread side by side (`tick.deliver_all`), so one "
                  "batch's Python overlaps the other's database time and the worker's figure "
                  "above is lower than this one.", "",
                  table(("step", "seconds", "calls", "own Python"), [
                      ("· " * row["depth"] + row["step"], f"{row['seconds']:.3f}",
                       f"{row['calls']:,}", "" if row["own"] is None else f"{row['own']:.3f}")
                      for row in breakdown["steps"]]), "",
                  f"Floor on this machine, same run: bulk-inserting {burst['doses']:,} rows "
                  f"(Django `bulk_create`, batches of 1,000) {floors['insert_s']:.3f} s; "
                  f"{burst['doses']:,} pipelined PUBLISHes {floors['publish_s']:.3f} s."]
    return lines


def classic_section(classic: dict[str, Any]) -> list[str]:
    pace = classic["pace"]
    lines = ["## Classic baseline", "",
             "The approach PulseRx replaces (`bench/classic.py`): one Celery task per reminder "
             "sent ahead with `apply_async(eta=due)` (half of them with `countdown=`), each "
             "writing its Notification and calling `async_to_sync(channel_layer.group_send)`, "
             "run by `celery -A bench.classic worker --pool=solo` on the same database and "
             "Redis, with the same patients and the same number of doses due in one second. "
             "It runs with `PULSERX_WORKER_MAX_RSS_MB` out of reach: importing the project "
             "attaches PulseRx's memory guard to every Celery worker's `task_postrun`, and "
             "the classic system had no guard.", "",
             f"- {classic['doses']:,} tasks sent in {classic['send_s']:.2f} s; worker RSS idle "
             f"{fmt(classic['idle_rss_mb'], ' MB')}, holding every eta task "
             f"{fmt(classic['waiting_rss_mb'], ' MB')} (+{classic['per_task_kb']:.2f} KB per "
             "task)" + ("" if classic["all_received_before_due"] else
                        " (the worker had not pulled every task before the due second)"),
             f"- pace: at most {pace['max_per_second']} reminders in any one second; "
             f"{pace['pauses']} pauses of 0.3 s or more between two reminders (longest "
             f"{pace['longest_pause_s']} s). Celery's solo worker fires due eta tasks from "
             "kombu's event-loop timer, at most 10 per loop iteration, and then polls for up to "
             "1 s when nothing else wakes it (`kombu/asynchronous/hub.py`, `fire_timers`: "
             "`min(delay or min_delay, max_delay)` turns an overdue 0 s delay into 1 s)."]
    if classic["extrapolated"]:
        lines.append(f"- **extrapolated**: only {classic['completed']:,} of {classic['doses']:,} "
                     f"were done when the bench stopped waiting ({classic_timeout(classic)}); "
                     f"at that measured rate all would take about {fmt(classic['total_s'], ' s')}")
    else:
        lines.append(f"- all committed after {fmt(classic['committed_s'], ' s', 2)}, last live "
                     f"event at {fmt(classic['published_s'], ' s', 2)}")
    dup = classic.get("duplicates")
    if dup and "tasks" in dup:
        lines.append(
            f"- redelivery: with the broker's visibility timeout at 5 s and reminders 20 s "
            f"ahead (in production: 1 h, and reminders set up to a day ahead), "
            f"{dup['tasks']} eta tasks ran {dup['executions']} times: "
            f"{dup['doses_run_more_than_once']} reminders ran more than once. The inbox kept "
            f"{dup['notifications']} rows only because its unique constraint refused the "
            f"rest ({dup['integrity_errors_logged']} tasks failed with IntegrityError); a task "
            "that emails or pushes before writing its row would remind twice.")
    return lines


def soak_section(soak: dict[str, Any]) -> list[str]:
    rows = [(str(w["wave"]), f"{w['deliveries']:,}", f"{w['published_s']:.2f}",
             f"{w['rss_mb']:.1f}") for w in soak["waves"]]
    return ["## Soak", "",
            f"{soak['deliveries']:,} deliveries through one worker in waves; RSS read after each "
            f"wave. Idle before the first wave {fmt(soak['idle_rss_mb'], ' MB')}; VmHWM at the "
            f"end {fmt(soak['hwm_mb'], ' MB')}.", "",
            table(("wave", "delivered so far", "wave published after (s)", "RSS (MB)"), rows)]


def pending_section(pending: dict[str, Any]) -> list[str]:
    return ["## Pending doses", "",
            f"Idle worker (fresh process, 5 ticks, median RSS over 3 s) with the same patients "
            f"and schedules, before and after COPYing {pending['doses']:,} doses due next "
            f"month ({pending['insert_s']} s):", "",
            table(("future doses", "RSS (MB)", "VmHWM (MB)", "slowest tick (ms)"), [
                ("0", fmt(pending["empty"]["rss_mb"]), fmt(pending["empty"]["hwm_mb"]),
                 f"{pending['empty']['tick_took_max_s'] * 1000:.1f}"),
                (f"{pending['doses']:,}", fmt(pending["full"]["rss_mb"]),
                 fmt(pending["full"]["hwm_mb"]),
                 f"{pending['full']['tick_took_max_s'] * 1000:.1f}")])]


def web_section(web: dict[str, Any]) -> list[str]:
    rows = []
    for result in (web["main"], web["plain"]):
        rows.append((result["compression"], f"{result['sockets']:,}",
                     f"{result['received']:,}", fmt(result["idle_rss_mb"]),
                     fmt(result["rss_mb"]), fmt(result["per_socket_kb"]),
                     fmt(result["marginal_kb"])))
    return ["## Web", "",
            "One `uvicorn pulserx.asgi:application` process; each WebSocket signs in with its "
            "own session cookie and a same-origin Origin, then every user is sent one live "
            "event through the channel layer and each socket must receive it. Every client "
            "offers permessage-deflate, as browsers do; the first row is the production "
            "command (`--ws-per-message-deflate false`), the second uvicorn's default, which "
            "accepts it.", "",
            table(("compression negotiated", "sockets open", "received their event",
                   "RSS idle (MB)",
                   "RSS with sockets (MB)", "KB per socket", "KB per socket after the first "
                   "100"), rows)]


def slow_section(slow: dict[str, Any]) -> list[str]:
    return ["## Slow channel", "",
            f"A loopback SMTP server whose DATA handler sleeps {slow['smtp_delay_s']:.0f} s; "
            f"patients with email reminders on, one dose due every second for "
            f"{slow['window_s']} s.", "",
            f"- {slow['ticks']} ticks in {slow['window_s']} s "
            f"({slow['seconds_without_tick']} seconds without one); "
            f"{slow['ticks_while_email_in_flight']} ticks ran while an email was being sent "
            f"(up to {slow['max_emails_in_flight']} at once; {slow['emails_started']} emails "
            "started in the window)",
            f"- tick start after its whole second: max "
            f"{slow['tick_lateness_max_s'] * 1000:.0f} ms, median "
            f"{(slow['tick_lateness_median_s'] or 0) * 1000:.0f} ms; slowest tick "
            f"{slow['tick_took_max_s'] * 1000:.0f} ms",
            f"- {slow['doses']} doses: Notification.created_at - due_at max "
            f"{slow['created_minus_due_max_s'] * 1000:.0f} ms; live event - due_at max "
            f"{slow['event_minus_due_max_s'] * 1000:.0f} ms"]


def diagnosis_section(diag: dict[str, Any]) -> list[str]:
    lines = ["## Diagnosis: where the worker's memory goes", "",
             "Not the production profile: what-if measurements to explain the figures above.",
             "", "RSS of a fresh Python process as it loads what the worker loads:", "",
             table(("stage", "RSS (MB)", "added (MB)"),
                   [(stage, f"{rss:.1f}", f"{added:+.1f}") for stage, rss, added
                    in diag["stages"]]), "",
             "Largest contributors (RSS added while each package itself was imported):", "",
             table(("package", "MB"), [(name, f"{mb:.1f}") for name, mb in diag["packages"]])]
    if diag.get("variants"):
        lines += ["", "`python manage.py worker` with one thing changed (an option or an "
                  "environment variable), the same burst each time:", "",
                  table(("variant", "idle RSS (MB)", "of which anonymous / files (MB)",
                         "burst published (s)", "peak VmHWM (MB)"),
                        [(v["label"], fmt(v["idle_rss_mb"]),
                          f"{fmt(v['idle_anon_mb'])} / {fmt(v['idle_file_mb'])}",
                          fmt(v.get("published_s"), "", 2), fmt(v.get("hwm_mb")))
                         for v in diag["variants"]])]
    return lines


def _module_section(module: str) -> Any:
    def section(result: dict[str, Any]) -> list[str]:
        import importlib

        return list(importlib.import_module(module).section(result))
    return section


SECTIONS = (("burst", burst_section), ("rival", _module_section("bench.rival")),
            ("classic", classic_section), ("scale-out", _module_section("bench.scale_out")),
            ("pending", pending_section), ("soak", soak_section), ("web", web_section),
            ("web-pair", _module_section("bench.web_pair")),
            ("slow", slow_section), ("diagnose", diagnosis_section),
            ("channels", _module_section("bench.channels")),
            ("worst-account", _module_section("bench.worst_account")),
            ("givers", _module_section("bench.givers_burst")))


def render(meta: dict[str, Any], results: dict[str, Any]) -> str:
    lines = ["# PulseRx benchmarks", "",
             "Written by `make bench` (`python -m bench`): every figure below was measured in "
             "the run described here. Run one scenario with `python -m bench burst` (also "
             "`rival`, `classic`, `scale-out`, `pending`, `soak`, `web`, `web-pair`, `slow`, "
             "`diagnose`, `channels`, `worst-account`, `givers`), or all of them small "
             "with `--quick`. The benchmarks use PostgreSQL (`DATABASE_URL`, default "
             "`postgresql://root@127.0.0.1:5432/pulserx_bench`, created and migrated if "
             "missing) and Redis (`REDIS_URL`, default `redis://127.0.0.1:6379/15`; only that "
             "database number is flushed). Workers are started exactly as in production: "
             "`python manage.py worker` with `DATABASE_URL`, `REDIS_URL` and "
             "`LOG_LEVEL=WARNING`.", ""]
    if meta["quick"]:
        lines += ["> **Quick run**: sizes are reduced, so the figures are a smoke test and "
                  "cannot be held to the targets.", ""]
    lines += ["## This run", "", *machine_lines(meta), "",
              "## Targets", "", table(("figure", "target", "measured", "verdict"),
                                      target_rows(results)), ""]
    ratios = ratio_rows(results)
    if ratios:
        lines += ["## PulseRx, procrastinate and the classic approach, side by side", "",
                  "Same run, same patients, same number of doses due in one second.", "",
                  table(RATIO_HEADER, ratios), ""]
    lines += ["![Worker and web RSS over time](rss.png)", ""]
    for name, section in SECTIONS:
        result = ok(results, name)
        if result:
            lines += [*section(result), ""]
    failed = {name: result["error"] for name, result in results.items() if "error" in result}
    for name, error in failed.items():
        lines += [f"## {name}: failed", "", "```", error.strip(), "```", ""]
    return "\n".join(lines)


def write(meta: dict[str, Any], results: dict[str, Any], out_dir: Path) -> Path:
    markdown = out_dir / "benchmarks.md"
    markdown.write_text(render(meta, results))
    from bench.plot import plot

    plot(results, out_dir / "rss.png")
    return markdown


if __name__ == "__main__":
    # `python -m bench.report [results.json] [out dir]`: render a run's saved figures again.
    import json
    import sys

    raw = Path(sys.argv[1] if len(sys.argv) > 1 else "var/bench/results.json")
    saved = json.loads(raw.read_text())
    print(write(saved["meta"], saved["results"], Path(sys.argv[2] if len(sys.argv) > 2
                                                       else "docs")))
