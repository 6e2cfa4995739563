"""The invariants (`constraint`s) of the official FHIR R4 StructureDefinitions, evaluated by
fhirpathpy on a resource.

The definitions are the published ones (data/hl7-r4-definitions, see PROVENANCE.md); this
module only walks a resource along their element paths, descending into the data types that
have their own definition (Dosage, Timing, Quantity, Period…), and hands each constraint's
expression to fhirpathpy with that element as its context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fhirpathpy import evaluate
from fhirpathpy.models import models

DEFINITIONS = Path(__file__).parent / "data" / "hl7-r4-definitions"
# fhirpathpy 2.2.4 lacks hasValue() and takes as() on one item only. On FHIR JSON whose
# primitives carry values, hasValue() is exists(), and as(type) on a collection is
# ofType(type); expressions are rewritten so, and nothing else is changed. ele-1 ("an element
# has a value or children") is checked directly by `empty_elements` instead.
REWRITES = (("hasValue()", "exists()"), (".as(canonical)", ".ofType(canonical)"),
            (".as(uri)", ".ofType(uri)"), (".as(url)", ".ofType(url)"),
            ("(as(canonical)", "(ofType(canonical)"))
UNEVALUATED = {"ele-1"}


def expression(constraint: dict[str, Any]) -> str:
    text = str(constraint["expression"])
    for old, new in REWRITES:
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Violation:
    path: str
    key: str
    human: str


@cache
def definition(type_name: str) -> dict[str, Any] | None:
    file = DEFINITIONS / f"StructureDefinition-{type_name}.json"
    return json.loads(file.read_text()) if file.exists() else None


def _children(node: Any, name: str) -> list[tuple[str, Any, str | None]]:
    """The values of element `name` of `node` (a choice `value[x]` gives each present key
    with its type)."""
    if not isinstance(node, dict):
        return []
    if name.endswith("[x]"):
        stem = name[:-3]
        found = [(k, v, k[len(stem):]) for k, v in node.items()
                 if k.startswith(stem) and k[len(stem):][:1].isupper()]
    else:
        found = [(name, node[name], None)] if name in node else []
    return [(key, item, kind) for key, value, kind in found
            for item in (value if isinstance(value, list) else [value])]


def violations(node: Any, type_name: str, path: str = "",
               resource: dict[str, Any] | None = None) -> list[Violation]:
    """Every invariant of `type_name` (and of the typed elements within) that `node` breaks;
    one that fhirpathpy cannot evaluate is a Violation with `human` "not evaluated: …"."""
    sd = definition(type_name)
    if sd is None or not isinstance(node, dict):
        return []
    path = path or type_name
    if "resourceType" in node:
        resource = node
    env = {"resource": resource or node, "rootResource": resource or node}
    found: list[Violation] = []
    for element in sd["snapshot"]["element"]:
        steps = element["path"].split(".")[1:]
        for where, value, kind in _walk(node, steps, path, None):
            inner = _type_of(element, value, kind) if steps else None
            # The type tells fhirpathpy what a choice such as value[x] is.
            base = inner or element["path"]
            for constraint in element.get("constraint", []):
                if (constraint["key"] in UNEVALUATED or constraint["severity"] != "error"
                        or not isinstance(value, dict)):
                    continue
                try:
                    result = evaluate(value, {"base": base, "expression": expression(constraint)},
                                      env, models["r4"])
                except Exception as error:  # reported as a Violation, never passed silently
                    found.append(Violation(where, constraint["key"],
                                           f"not evaluated: {str(error)[:80]}"))
                    continue
                if result != [True]:
                    found.append(Violation(where, constraint["key"], constraint["human"]))
            if inner is not None and not element.get("contentReference"):
                found += violations(value, inner, where, resource)
    return found


def _walk(node: Any, steps: list[str], path: str, kind: str | None
          ) -> list[tuple[str, Any, str | None]]:
    if not steps:
        return [(path, node, kind)]
    out = []
    for key, value, choice in _children(node, steps[0]):
        out += _walk(value, steps[1:], f"{path}.{key}", choice)
    return out


def _type_of(element: dict[str, Any], value: Any, choice: str | None) -> str | None:
    """The definition to descend into for `value`: a resource's own type, a choice's type
    from its key, or the element's one data type (not a BackboneElement, whose children are
    in the same snapshot)."""
    if not isinstance(value, dict):
        return None
    if "resourceType" in value:
        return str(value["resourceType"])
    codes = [t["code"] for t in element.get("type", [])]
    if choice is not None:
        return choice
    if len(codes) == 1 and codes[0] not in ("BackboneElement", "Element"):
        return codes[0]
    return None


def empty_elements(node: Any, path: str = "") -> list[str]:
    """ele-1: no object or array without content, no null."""
    if node is None or node == {} or node == []:
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in empty_elements(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in empty_elements(v, f"{path}[{i}]")]
    return []
