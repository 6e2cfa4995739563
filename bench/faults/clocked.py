"""`python -m bench.faults.clocked CLOCK_FILE manage.py worker ...`: run a command under a
wall clock that the fault suite steps from outside.

time-machine moves this process's wall clock (time.time, datetime.now, ...) and leaves the
monotonic clock alone, which is what an NTP step does to a real machine. CLOCK_FILE holds the
offset in seconds; a thread reads it every 50 ms and shifts the clock when it changes. The
product code carries no hook for this: the seam is this wrapper, used only by the suite.
"""

from __future__ import annotations

import runpy
import sys
import threading
import time
from pathlib import Path

import time_machine


def follow(control: Path, traveller: time_machine.Traveller) -> None:
    applied = 0.0
    while True:
        try:
            wanted = float(control.read_text() or 0)
        except (OSError, ValueError):
            wanted = applied
        if wanted != applied:
            traveller.shift(wanted - applied)
            applied = wanted
        time.sleep(0.05)


def main() -> None:
    control = Path(sys.argv[1])
    traveller = time_machine.travel(time.time(), tick=True).start()
    threading.Thread(target=follow, args=(control, traveller), name="clock", daemon=True).start()
    sys.argv = sys.argv[2:]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
