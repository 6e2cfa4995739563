"""docs/rss.png: the RSS curves of one run, with the targets they are held to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.report import IDLE_TARGET_MB, PEAK_TARGET_MB, SOAK_TARGET_MB, WEB_TARGET_MB, ok


def _line(ax: Any, series: list[tuple[float, float]], start: float | None = None,
          **style: Any) -> None:
    points = [(t, rss) for t, rss in series if start is None or t >= start]
    if points:
        ax.plot(*zip(*points, strict=True), **style)


def _target(ax: Any, value: float, label: str, color: str = "red") -> None:
    ax.axhline(value, color=color, linestyle="--", linewidth=0.8, label=label)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(17, 9))
    burst, classic, soak = ok(results, "burst"), ok(results, "classic"), ok(results, "soak")
    pending, web = ok(results, "pending"), ok(results, "web")
    (a_burst, a_classic, a_soak), (a_pending, a_web, a_diag) = axes

    if burst:
        end = (burst["published_s"] or burst["committed_s"] or 5.0) + 2.0
        _line(a_burst, [p for p in burst["rss_series"] if p[0] <= end], -3.0,
              label=f"PulseRx worker, {burst['doses']:,} due at 0 s")
        _target(a_burst, PEAK_TARGET_MB, "peak target")
        _target(a_burst, IDLE_TARGET_MB, "idle target", "orange")
        a_burst.axvline(0, color="grey", linewidth=0.8)
        a_burst.set(title="Burst: PulseRx worker RSS", xlabel="seconds from the due second",
                    ylabel="RSS (MB)")
    if classic:
        _line(a_classic, classic["rss_series"], color="tab:orange",
              label=f"classic worker, {classic['doses']:,} eta tasks due at 0 s")
        a_classic.axvline(0, color="grey", linewidth=0.8)
        a_classic.set(title="Classic: worker RSS as eta tasks arrive and run",
                      xlabel="seconds from the due second", ylabel="RSS (MB)")
    if soak:
        _line(a_soak, soak["rss_series"], -1.0, label="worker RSS (every 50 ms)")
        _target(a_soak, soak["waves"][0]["rss_mb"] + SOAK_TARGET_MB, "after wave 1 + target")
        a_soak.set(title=f"Soak: {soak['deliveries']:,} deliveries in {len(soak['waves'])} waves",
                   xlabel="seconds", ylabel="RSS (MB)")
    if pending:
        for key, label in (("empty", "0 future doses"),
                           ("full", f"{pending['doses']:,} future doses")):
            _line(a_pending, pending[key]["rss_series"], label=label)
        a_pending.set(title="Pending: idle worker RSS from its start", xlabel="seconds",
                      ylabel="RSS (MB)")
    if web:
        for result in (web["main"], web["plain"]):
            _line(a_web, result["curve"], marker="o", markersize=3,
                  label=f"permessage-{result['compression']}")
        _target(a_web, WEB_TARGET_MB, "target")
        a_web.set(title="Web: one uvicorn process", xlabel="open WebSockets",
                  ylabel="RSS (MB)")
    diag = ok(results, "diagnose")
    if diag and diag.get("variants"):
        labels = [v["short"] for v in diag["variants"]]
        positions = range(len(labels))
        a_diag.barh(positions, [v["idle_rss_mb"] for v in diag["variants"]], label="idle")
        a_diag.barh(positions, [v["hwm_mb"] - v["idle_rss_mb"] for v in diag["variants"]],
                    left=[v["idle_rss_mb"] for v in diag["variants"]], label="burst peak")
        a_diag.set_yticks(list(positions), labels, fontsize=7)
        a_diag.invert_yaxis()
        a_diag.set(title="Diagnosis: worker variants", xlabel="RSS (MB)")
    else:
        a_diag.axis("off")
    for row in axes:
        for ax in row:
            if ax.has_data():
                ax.grid(alpha=0.3)
                ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
