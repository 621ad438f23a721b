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
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.config import Settings

UNBOUNDED_REPEAT = re.compile(r"(?<!\\)[+*]|\{\d+,\}")
# Uploaded files are bounded by LOTPROOF_MAX_FILE_BYTES, enforced while streaming.
FILE_PART = "Body_upload_file_api_v1_files_post.file"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path: Path = tmp_path_factory.mktemp("bounds") / "db.sqlite"
    settings = Settings(env="dev", database_url=f"sqlite:///{path}", run_worker=False)
    return create_app(settings).openapi()


def _unbounded(
    schema: dict[str, Any], where: str, doc: dict[str, Any], seen: set[str]
) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        properties = doc["components"]["schemas"][name].get("properties", {})
        return [
            found
            for prop, sub in properties.items()
            for found in _unbounded(sub, f"{name}.{prop}", doc, seen)
        ]
    found = [
        item
        for key in ("anyOf", "oneOf", "allOf")
        for sub in schema.get(key, [])
        for item in _unbounded(sub, where, doc, seen)
    ]
    kind = schema.get("type")
    if kind == "string" and not _string_bounded(schema) and where != FILE_PART:
        found.append(where)
    if kind == "integer" and not _integer_bounded(schema):
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += _unbounded(schema.get("items", {}), f"{where}[]", doc, seen)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(schema["additionalProperties"], f"{where}{{}}", doc, seen)
    return found


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
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                bodies += 1
                where = f"{method.upper()} {path}"
                unbounded += _unbounded(content["schema"], where, document, set())
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
    assert _unbounded({"$ref": "#/components/schemas/A"}, "x", doc, set()) == ["A.s"]
    assert _unbounded(tags, "tags", doc, set()) == ["tags", "tags[]"]
    ids = {"type": "array", "maxItems": 3, "items": {"type": "integer", "minimum": 1}}
    assert _unbounded(ids, "ids", doc, set()) == ["ids[]"]
