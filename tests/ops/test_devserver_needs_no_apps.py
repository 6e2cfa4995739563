"""`make run` makes its development keys and reads its settings before Django is set up:
nothing it runs before starting its children may import a model (a model imported before
the app registry is ready is the traceback every newcomer met on their first run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BEFORE_CHILDREN = """
import json, sys
from pulserx import devserver
env = devserver.dev_environment({"PULSERX_VAR_DIR": sys.argv[1]})
from django.conf import settings
settings.REDIS_IS_EMBEDDED, settings.EMBEDDED_REDIS_SOCKET
from django.apps import apps
print(json.dumps({
    "apps_ready": apps.ready,
    "models": sorted(m for m in sys.modules if m.endswith(".models") and m.startswith("pulserx")),
    "public_key": env["VAPID_PUBLIC_KEY"],
}))
"""


def test_first_run_makes_keys_without_the_app_registry(tmp_path: Path) -> None:
    var_dir = tmp_path / "var-of-a-new-machine"
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("VAPID_", "PULSERX_", "DJANGO_", "REDIS_URL", "DATABASE_URL"))}
    environ["DJANGO_SETTINGS_MODULE"] = "pulserx.settings"
    done = subprocess.run([sys.executable, "-c", BEFORE_CHILDREN, str(var_dir)], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["apps_ready"] is False
    assert seen["models"] == []
    stored = json.loads((var_dir / "vapid-dev.json").read_text())
    assert stored["public"] == seen["public_key"]
    assert (var_dir / "vapid-dev.json").stat().st_mode & 0o077 == 0
