"""Every request body the API accepts is bounded field by field, from its OpenAPI document.

The body cap (64 KiB) bounds a request, but a field without its own bound lets one value fill
it: a 60 KB lot number or a 10,000-item evidence list would be stored, hashed and served. So
every string must have a maxLength, an enum, or a pattern without unbounded repetition, and
every array a maxItems; a new field without one fails here, by name. Integers need a maximum
too, in bodies and in query and path parameters: a number past 64 bits used to reach SQLite
and fail there as a 500.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.openapi import FILE_PART, app_document, fields, request_bodies

UNBOUNDED_REPEAT = re.compile(r"(?<!\\)[+*]|\{\d+,\}")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return app_document(tmp_path_factory.mktemp("bounds"))


def _unbounded(schema: dict[str, Any], where: str, doc: dict[str, Any]) -> list[str]:
    return [name for name, node in fields(schema, where, doc) if not _node_bounded(name, node)]


def _node_bounded(where: str, schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "string":
        return _string_bounded(schema) or where == FILE_PART
    if kind == "integer":
        return _integer_bounded(schema)
    return kind != "array" or "maxItems" in schema


def _integer_bounded(schema: dict[str, Any]) -> bool:
    return any(key in schema for key in ("maximum", "exclusiveMaximum", "enum", "const"))


def _string_bounded(schema: dict[str, Any]) -> bool:
    if "maxLength" in schema or "enum" in schema or "const" in schema:
        return True
    if schema.get("format") in ("date", "date-time"):
        return True
    pattern = schema.get("pattern")
    return pattern is not None and not UNBOUNDED_REPEAT.search(pattern)


def test_every_request_field_has_a_bound(document: dict[str, Any]) -> None:
    unbounded: list[str] = []
    bodies = 0
    for where, schema in request_bodies(document):
        bodies += 1
        unbounded += _unbounded(schema, where, document)
    assert bodies >= 20  # the walk reached the API's request bodies
    assert unbounded == []


def test_every_integer_parameter_has_a_maximum(document: dict[str, Any]) -> None:
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                for option in [schema, *schema.get("anyOf", [])]:
                    if option.get("type") == "integer" and not _integer_bounded(option):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unbounded == []


def test_the_walk_finds_an_unbounded_field() -> None:
    doc = {"components": {"schemas": {"A": {"properties": {"s": {"type": "string"}}}}}}
    tags = {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}}
    assert _unbounded({"$ref": "#/components/schemas/A"}, "x", doc) == ["A.s"]
    assert _unbounded(tags, "tags", doc) == ["tags", "tags[]"]
    ids = {"type": "array", "maxItems": 3, "items": {"type": "integer", "minimum": 1}}
    assert _unbounded(ids, "ids", doc) == ["ids[]"]
