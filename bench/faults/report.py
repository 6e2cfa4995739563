"""The fault suite's table, printed and written as Markdown with how it was produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.faults.census import Census

COLUMNS = ("scenario", "doses due", "delivered", "missed (caught up too late)", "lost",
           "duplicated", "marked late", "early", "lateness p50 / p99 / max")


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def cells(name: str, c: Census) -> list[str]:
    return [name, f"{c.due:,}", f"{c.delivered:,}", f"{c.missed:,}", f"{c.lost:,}",
            f"{c.duplicated:,}", f"{c.marked_late:,}", f"{c.early:,}",
            f"{_s(c.p50_s)} / {_s(c.p99_s)} / {_s(c.max_s)}"]


def line(name: str, c: Census) -> str:
    """`scenario, doses due, delivered, lost, duplicated, worst lateness` and the rest."""
    return (f"{name}: {c.due:,} due, {c.delivered:,} delivered, {c.missed:,} missed, "
            f"{c.lost:,} lost, {c.duplicated:,} duplicated, {c.marked_late:,} marked late, "
            f"{c.early:,} early, {c.unannounced_missed} missed without a summary, "
            f"lateness p50 {_s(c.p50_s)} p99 {_s(c.p99_s)} max {_s(c.max_s)}")


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for name, result in results.items():
        if "census" in result:
            rows.append("| " + " | ".join(cells(name, result["census"])) + " |")
        else:
            rows.append(f"| {name} | failed to run: see below |" + " |" * (len(COLUMNS) - 2))
    return "\n".join(rows)


def _facts(results: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for name, result in results.items():
        load = ", ".join(f"{v:.2f}" for v in result.get("load", ()))
        if "census" in result:
            facts = ", ".join(f"{k} {v}" for k, v in result["facts"].items())
            out.append(f"- **{name}** ({result['seconds']} s, load after {load}): {facts}; "
                       f"backlog seeded {result['census'].backlog:,}; missed doses without a "
                       f"summary {result['census'].unannounced_missed}.")
        else:
            out.append(f"- **{name}** failed to run:\n\n```\n{result['error']}\n```")
    return out


def write(path: Path, meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    m = meta.get("machine", {})
    load = ", ".join(f"{v:.2f}" for v in meta["load_before"])
    lines = [
        "# Reliability under faults",
        "",
        f"Produced by `make faults` (`{meta['command']}`, scale {meta['scale'].name}) at commit "
        f"{meta['commit']}, {meta['started']} – {meta['finished']}.",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB "
        f"RAM, Linux {m.get('kernel', '?')}; Python {m.get('python', '?')}, Django "
        f"{m.get('django', '?')}, PostgreSQL {m.get('postgresql', '?')} (private cluster), "
        f"Redis {m.get('redis', '?')} (private server). Shared with other work: load average "
        f"{load} before the run, {meta.get('cpu_before', 0):.0%} of the CPUs busy with other "
        "work just before it.",
        "",
        table(results),
        "",
        *_facts(results),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
