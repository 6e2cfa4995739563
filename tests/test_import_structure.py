"""The import structure: no cycles between PulseRx modules, and the layers point downwards.

Every module under pulserx/ is parsed (its AST, so imports inside functions count too), its
imports of other pulserx modules become edges, and Tarjan's algorithm finds the strongly
connected components: any component of more than one module is a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pulserx"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")
            if "migrations" not in path.parts}


def imported_names(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Every module `path` imports, at any depth of the file (functions included).
    `from a import b` is an import of a.b when b is a module, else of a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[:len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in known else base


def import_graph() -> dict[str, set[str]]:
    """module -> the pulserx modules it imports."""
    known = modules()
    names = set(known)
    return {name: {target for target in imported_names(path, name, names)
                   if target in names} - {name}
            for name, path in known.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    return [c for c in strongly_connected(graph) if len(c) > 1]


def test_the_cycle_finder_finds_a_cycle_through_three_modules_and_ignores_a_chain():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}

    assert cycles(graph) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()

    # pulserx.notifications.transports loads its transports by dotted path, not by import;
    # the dispatcher's fan-out imports the task module at the top.
    assert "pulserx.notifications.tasks" in graph["pulserx.dispatch.fanout"]
    assert "pulserx.dispatch.tick" in graph["pulserx.dispatch.worker"]  # inside run()


def test_no_two_pulserx_modules_import_each_other_directly_or_through_a_cycle():
    assert cycles(import_graph()) == []


def test_reminders_never_imports_notifications_or_the_dispatcher():
    graph = import_graph()
    offending = {(module, target) for module, targets in graph.items()
                 if module.startswith("pulserx.reminders")
                 for target in targets
                 if target.startswith(("pulserx.notifications", "pulserx.dispatch"))}

    assert offending == set()


def test_nothing_below_the_dispatcher_imports_it():
    graph = import_graph()
    below = ("pulserx.reminders", "pulserx.notifications", "pulserx.accounts", "pulserx.live")
    offending = {(module, target) for module, targets in graph.items()
                 if module.startswith(below)
                 for target in targets if target.startswith("pulserx.dispatch")}

    assert offending == set()


# What the worker loads at start, as `manage.py worker` does before its first task: the
# settings and every app (django.setup), the Celery app with its task modules, the dispatcher.
WORKER_START = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
os.environ["CELERY_SKIP_CHECKS"] = "1"
import django
django.setup()
from pulserx.celery import app
app.loader.import_default_modules()
import pulserx.dispatch.tick
from pulserx.ops.management.commands import worker
worker.forgo_unused_modules()  # as `manage.py worker` does before Celery's worker loads
import celery.apps.worker, celery.concurrency.thread, kombu.transport.redis
print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))
"""

# Modules of the web's pages and sign-in that the worker never runs: each would be carried
# in its memory for good. Receivers of sign-in signals are connected by path
# (pulserx/receivers.py), the unit words are not lazy plurals, Django's default logging
# (whose mail_admins handler loads the debug views) is not applied, and Celery's debugging
# helpers go without psutil.
NOT_IN_THE_WORKER = (
    "pulserx.web.views", "pulserx.web.forms", "pulserx.api.endpoints", "pulserx.urls",
    "pulserx.accounts.views", "pulserx.accounts.forms", "pulserx.accounts.signed_in",
    "pulserx.accounts.throttle", "pulserx.accounts.clock_formats",
    "pulserx.accounts.two_factor", "pulserx.accounts.language_views",
    "django.views.debug", "django.contrib.admin.forms",
    "django_otp.admin", "django_otp.forms", "django_otp.qr", "django_otp.views",
    "segno", "qrcode", "webauthn", "fido2", "authlib", "fpdf", "ninja", "polib", "psutil",
)


def test_the_worker_starts_without_the_pages_sign_in_or_their_libraries():
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", WORKER_START], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))

    assert {"pulserx.dispatch.tick", "celery.apps.worker"} <= loaded  # the worker did load
    assert sorted(name for name in NOT_IN_THE_WORKER if name in loaded) == []
