"""A FHIR document as it arrives, before anything reads its meaning: not too large, not nested
deeper than FHIR ever is, strict JSON (no NaN), and a Bundle whose entries have the shapes the
importer walks. Each refusal is an Unsupported naming the element, never an exception that
turns into a server error."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, NoReturn

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.fhir.base import Unsupported
from pulserx.fhir.request_in import ImportedMedication
from pulserx.fhir.timing_in import unsupported
from pulserx.plaintext import name_problem, text_problem

MAX_DOCUMENT_BYTES = 512 * 1024
# A MedicationRequest in a Bundle is nested about 10 deep; this leaves room and keeps the
# parser (and everything that walks the result) far from Python's recursion limit.
MAX_DEPTH = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_IMPORTED = ("MedicationRequest", "MedicationStatement")


def load_document(text: str | bytes) -> Any:
    """The parsed JSON document; Unsupported when it is too large, too deep or not JSON."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise unsupported(_("The document is larger than %(size)s KB"),
                          size=MAX_DOCUMENT_BYTES // 1024)
    try:
        source = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise unsupported(_("The document is not UTF-8 text")) from None
    if nesting_depth(source) > MAX_DEPTH:
        raise unsupported(_("The document is nested more than %(most)s levels deep"),
                          most=MAX_DEPTH)
    try:
        return json.loads(source, parse_constant=_refuse_constant)
    except Unsupported:
        raise
    except json.JSONDecodeError as error:
        raise unsupported(_("The document is not valid JSON (line %(line)s, column "
                            "%(column)s)"), line=error.lineno, column=error.colno) from None
    except (ValueError, RecursionError) as error:
        # Translators: %(problem)s is what the JSON reader says, in English.
        raise unsupported(_("The document is not valid JSON (%(problem)s)"),
                          problem=error) from None


def nesting_depth(source: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings aside)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", source)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_constant(name: str) -> NoReturn:
    # Translators: %(value)s is what the document writes where a number goes ("NaN",
    # "Infinity"), kept as written.
    raise unsupported(_("The document is not valid JSON (%(value)s is not a JSON number)"),
                      value=name)


def check_shape(document: Any) -> None:
    """Refuse, naming the element, a document whose structure the importer cannot walk."""
    if not isinstance(document, dict):
        raise unsupported(_("The document must be a JSON object (a FHIR resource)"))
    if document.get("resourceType") != "Bundle":
        _check_resource(document, document.get("resourceType") or "Resource")
        return
    entries = document.get("entry")
    if entries is None:
        return
    if not isinstance(entries, list):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be an array"), element="Bundle.entry")
    for entry in entries:
        if not isinstance(entry, dict):
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s must hold objects"), element="Bundle.entry")
        if not isinstance(entry.get("fullUrl", ""), str):
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s must be a string"), element="Bundle.entry.fullUrl")
        resource = entry.get("resource")
        if resource is not None and not isinstance(resource, dict):
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s must be an object"),
                              element="Bundle.entry.resource")
        if resource is not None and resource.get("resourceType") in _IMPORTED:
            _check_resource(resource, resource["resourceType"])


def _check_resource(resource: dict[str, Any], kind: str) -> None:
    if "medicationReference" not in resource:
        return
    reference = resource["medicationReference"]
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be an object with a reference string"),
                          element=f"{kind}.medicationReference")
    contained = resource.get("contained", [])
    if not isinstance(contained, list) or not all(isinstance(c, dict) for c in contained):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be an array of resources"),
                          element=f"{kind}.contained")


# Translators: %(problem)s says what is wrong with the text ("must not contain control
# characters…").
MEDICATION_TEXT_REFUSED = {"name": gettext_lazy("The medication's name %(problem)s"),
                           "strength": gettext_lazy("The medication's strength %(problem)s"),
                           "instructions": gettext_lazy("The medication's instructions "
                                                        "%(problem)s")}


def plain_text(imported: ImportedMedication) -> ImportedMedication:
    """The imported medication under the one rule for names and text (pulserx/plaintext.py):
    line breaks and tabs, which FHIR strings may hold, become single spaces; any other control
    character is refused, naming the field."""
    fields = {name: " ".join(getattr(imported, name).split())
              for name in ("name", "strength", "instructions")}
    for name, value in fields.items():
        problem = name_problem(value) if name == "name" else text_problem(value)
        if problem:
            raise Unsupported(str(MEDICATION_TEXT_REFUSED[name]) % {"problem": problem})
    return dataclasses.replace(imported, name=fields["name"], strength=fields["strength"],
                               instructions=fields["instructions"])
