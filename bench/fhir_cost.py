"""What FHIR costs the web process: `python -m bench.fhir_cost`.

Prints the RSS a fresh Django process gains by importing PulseRx's own FHIR mapper and by
importing fhir.resources' R4B models, which is why PulseRx uses the library only in tests.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import os, time, psutil, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
django.setup()
rss = lambda: psutil.Process().memory_info().rss / 2**20
base = rss()
import {module}
print(f"{{rss() - base:.1f}}")
"""


def rss_cost(module: str) -> float:
    result = subprocess.run([sys.executable, "-c", PROBE.format(module=module)],
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    mapper = rss_cost("pulserx.fhir.bundle_out, pulserx.fhir.importing")
    library = rss_cost("fhir.resources.R4B.bundle, fhir.resources.R4B.medicationrequest")
    print(f"web process RSS added by PulseRx's FHIR mapper: {mapper:.1f} MB")
    print(f"web process RSS added by fhir.resources R4B (Bundle + MedicationRequest): "
          f"{library:.1f} MB")


if __name__ == "__main__":
    main()
