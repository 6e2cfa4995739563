"""`python -m bench.scale --rate N`: simulate a day of 1,000,000 patients with 3 doses each.

No database: a second-by-second queue model. Doses arrive when they are due (people pick
round times, so each (zone, time) slot arrives in one second); the workers drain them at
`rate` doses per second each, up to the database's ceiling. Printed: the worst second, how
late the last dose of the morning peak is, and how many workers keep it under a second.
The per-worker rate comes from the burst benchmark (docs/benchmarks.md); the database
ceiling is an assumption, stated on the command line, not a measurement.
"""

from __future__ import annotations

import argparse
from collections import Counter

PATIENTS = 1_000_000
# Share of patients by UTC offset (hours) in a service used in Europe, the Americas, India
# and Australia, and the local times of their three doses with the share choosing each.
ZONES = {-8: 0.08, -6: 0.10, -5: 0.17, 0: 0.15, 1: 0.20, 5.5: 0.15, 10: 0.15}
SLOTS = {  # dose number → {local time in minutes: share}
    0: {7 * 60: 0.3, 8 * 60: 0.5, 9 * 60: 0.2},
    1: {12 * 60: 0.4, 13 * 60: 0.3, 14 * 60: 0.3},
    2: {20 * 60: 0.5, 21 * 60: 0.3, 22 * 60: 0.2},
}


def arrivals() -> Counter[int]:
    """Doses due per second of the UTC day."""
    due: Counter[int] = Counter()
    for offset, zone_share in ZONES.items():
        for slots in SLOTS.values():
            for minute, share in slots.items():
                second = int(((minute - offset * 60) % 1440) * 60)
                due[second] += round(PATIENTS * zone_share * share)
    return due


def drain(due: Counter[int], capacity: float) -> tuple[int, float]:
    """(largest backlog, longest wait in seconds) when `capacity` doses/s are delivered."""
    backlog, worst_backlog, worst_wait = 0.0, 0, 0.0
    for second in range(86_400 + 3_600):
        backlog += due.get(second % 86_400, 0) if second < 86_400 else 0
        worst_backlog = max(worst_backlog, int(backlog))
        worst_wait = max(worst_wait, backlog / capacity)
        backlog = max(0.0, backlog - capacity)
    return worst_backlog, worst_wait


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, required=True,
                        help="doses per second one worker delivers (burst benchmark)")
    parser.add_argument("--db-ceiling", type=float, default=20_000,
                        help="doses per second the database sustains, all workers together")
    args = parser.parse_args()
    due = arrivals()
    peak_second, peak = max(due.items(), key=lambda item: item[1])
    print(f"{sum(due.values()):,} doses a day; the busiest second has {peak:,} "
          f"(UTC {peak_second // 3600:02d}:{peak_second % 3600 // 60:02d})")
    print("| workers | doses/s | largest backlog | longest wait |")
    print("|---|---|---|---|")
    for workers in (1, 2, 4, 8, 16, 32):
        capacity = min(workers * args.rate, args.db_ceiling)
        backlog, wait = drain(due, capacity)
        print(f"| {workers} | {capacity:,.0f} | {backlog:,} | {wait:.1f} s |")


if __name__ == "__main__":
    main()
