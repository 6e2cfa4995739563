"""What the worker's first reminder email costs its memory: `python -m bench.first_email`.

A fresh worker-like process (Django set up, the email transport imported) writes one
reminder email with its Take / Skip links; beside it, the RSS that loading the URLconf
alone adds — what `reverse()` for those two links used to bring into the worker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.harness import splice

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"

PROBE = """
import os, django, psutil
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
django.setup()
from datetime import UTC, datetime
from django.template.loader import render_to_string
from pulserx.notifications.render import Message
from pulserx.notifications.shapes import email_context
import pulserx.notifications.transports.email
rss = lambda: psutil.Process().memory_info().rss / 2**20
base = rss()
{work}
print(f"{{rss() - base:.1f}}")
"""

FIRST_EMAIL = """
message = Message(id=1, kind="reminder", dose_id=7, patient_id=1, recipient_id=1,
                  title="Time for a dose", body="Take 1 tablet", late=False,
                  actionable=True, created_at=datetime.now(UTC))
context = email_context(message)
render_to_string("notifications/email/notification.txt", context)
render_to_string("notifications/email/notification.html", context)
"""
URLCONF = "from django.urls import reverse; reverse('email-dose-action', args=['x'])"


def rss_cost(work: str) -> float:
    result = subprocess.run([sys.executable, "-c", PROBE.format(work=work)],
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    email, urlconf = rss_cost(FIRST_EMAIL), rss_cost(URLCONF)
    lines = [f"worker RSS added by its first reminder email (with links): {email:.1f} MB",
             f"worker RSS that loading the URLconf would add (reverse()): {urlconf:.1f} MB "
             f"({urlconf / max(email, 0.1):.0f}x)"]
    print("\n".join(lines))
    splice(REPORT, ["<!-- first-email -->", "## The worker's first email", "",
                    "Each figure from a fresh process with Django set up and the email "
                    "transport imported. The links are written from their path; the "
                    "URLconf stays out of the worker.", "",
                    *(f"- {line}" for line in lines), "",
                    "Measured with `python -m bench.first_email`.", "<!-- /first-email -->"])


if __name__ == "__main__":
    main()
