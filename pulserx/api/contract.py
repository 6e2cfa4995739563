"""The answers every operation may give besides its own, written into the OpenAPI document
once instead of on each route: 401 without credentials, 403 for an account without a patient
profile, 422 for a request that breaks the schema, 429 while the client is locked out."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

_ERROR = {"$ref": "#/components/schemas/ErrorOut"}
_VALIDATION = {
    "type": "object", "required": ["detail"],
    "properties": {"detail": {"type": "array", "items": {
        "type": "object", "required": ["loc", "msg", "type"],
        "properties": {"loc": {"type": "array", "items": {}}, "msg": {"type": "string"},
                       "type": {"type": "string"}}}}},
}
COMMON = {
    "401": ("Missing or invalid credentials (token or session).", _ERROR),
    "403": ("This account has no patient profile, or the session's CSRF token is missing.",
            _ERROR),
    "422": ("The request breaks the schema or a rule of the schedule; `detail` names the "
            "fields.", _VALIDATION),
}
_METHODS = ("get", "put", "post", "delete", "patch")


class DocumentedAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for method in _METHODS:
                if method in item:
                    add_common_responses(item[method])
        return schema


_MALFORMED = ("The body is not JSON.", _ERROR)


def add_common_responses(operation: dict[str, Any]) -> None:
    # Routes key their own answers by int; one key per status, or JSON keeps only the last.
    responses = {str(status): answer
                 for status, answer in operation.setdefault("responses", {}).items()}
    operation["responses"] = responses
    if "requestBody" in operation:
        responses.setdefault("400", {"description": _MALFORMED[0], "content": {
            "application/json": {"schema": _MALFORMED[1]}}})
    for status, (description, body) in COMMON.items():
        own = responses.get(status)
        if own is None:
            responses[status] = {"description": description,
                                 "content": {"application/json": {"schema": body}}}
        elif status == "422":  # the route's own refusal, or a request breaking the schema
            content = own.setdefault("content", {}).setdefault("application/json", {})
            schema = content.get("schema")
            content["schema"] = {"anyOf": [schema, body]} if schema else body
            own["description"] = f"{own.get('description', '')} / {description}"
