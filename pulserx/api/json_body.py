"""How the API reads a JSON body: strictly. A body is one JSON object (every operation's body
is), and NaN or Infinity, which JSON does not have, are refused with the malformed body's 400
before any field sees them."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja.parser import Parser


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_constant=_refuse_constant)
        if not isinstance(data, dict):
            raise ValueError("The body must be a JSON object")
        return data
