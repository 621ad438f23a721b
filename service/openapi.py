"""The OpenAPI document, with errors as they really are: RFC 9457 problem+json.

FastAPI documents only the success response and a 422 in its own format. Every error here is
a problem+json body (``service.errors``), and clients (and Schemathesis, which checks the
service against this document) need to know which statuses an operation can answer with.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from service.errors import PROBLEM_JSON

OPENAPI_URL = "/openapi.json"  # served only when settings.serves_openapi
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "one entry per bad field (bulk imports: per row)",
            "items": {"type": "object", "required": ["message"]},
        },
    },
}
# What any operation may answer besides its success.
EVERY_OPERATION = {
    "400": "Malformed request (a path or link that is not well formed)",
    "404": "Not found (an unknown id in the path)",
    "405": "Method not allowed for this path",
    "409": "Conflict with the current state (the detail says which)",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Invalid input (each bad field named in `errors`)",
    "429": "Too many requests",
    "503": "Database or chain unavailable; retry",
}
API_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "an organisation's API key: lp_<prefix>_<secret>_<checksum>",
}
AUTHENTICATED = {
    "401": "Missing, malformed, unknown or revoked API key",
    "403": "The key's organisation may not do this (role, ownership or suspension)",
}


def install_problem_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the problem+json answers of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            add_problem_responses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A request body's JSON Schema for a route's ``openapi_extra`` (a route that reads its
    body itself); the models it refers to are moved into the components by ``openapi()``."""
    return model.model_json_schema(ref_template=_COMPONENT_REF)


_COMPONENT_REF = "#/components/schemas/{model}"


def _hoist_definitions(schema: dict[str, Any]) -> None:
    """Move the ``$defs`` of inline body schemas (``body_schema``) into the components."""
    models = schema.setdefault("components", {}).setdefault("schemas", {})
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                models.update(media.get("schema", {}).pop("$defs", {}))


def add_problem_responses(schema: dict[str, Any]) -> None:
    _hoist_definitions(schema)
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["apiKey"] = API_KEY_SCHEME
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            _document_errors(operation)
            _declare_security(operation)


def _declare_security(operation: dict[str, Any]) -> None:
    """``Authorization: Bearer <key>`` as a security requirement, not a plain header, so that
    clients and tools (Schemathesis's ignored-auth check) know the operation needs a key."""
    if _takes_api_key(operation):
        operation["parameters"] = [
            p for p in operation["parameters"] if p.get("name", "").lower() != "authorization"
        ]
        operation["security"] = [{"apiKey": []}]


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    errors = dict(EVERY_OPERATION)
    if _takes_api_key(operation) or "security" in operation:
        errors |= AUTHENTICATED
    content: dict[str, Any] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if _answers_html(responses):
        # The resolver shows browsers an error page in their language instead.
        content["text/html"] = {"schema": {"type": "string"}}
    for status, description in errors.items():
        # A route's own answer for a status stands (``/readyz``'s 503 is its JSON body);
        # FastAPI's automatic 422 is replaced, since ours is problem+json.
        if status not in responses or status == "422":
            responses[status] = {"description": description, "content": content}


def _takes_api_key(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
        for p in operation.get("parameters", [])
    )


def _answers_html(responses: dict[str, Any]) -> bool:
    return any("text/html" in r.get("content", {}) for r in responses.values())
