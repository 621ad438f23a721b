"""Walking the service's own OpenAPI document, so a rule about request fields names each one.

``tests/unit/test_request_bounds.py`` (every field bounded) and ``tests/unit/test_safe_text.py``
(every free-text field guarded) ask the same walk different questions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.app import create_app
from service.config import Settings

Schema = dict[str, Any]
# Uploaded files: bytes, bounded by LOTPROOF_MAX_FILE_BYTES while streaming; not text.
FILE_PART = "Body_upload_file_api_v1_files_post.file"


def app_document(directory: Path) -> Schema:
    """The OpenAPI document of an app on a throw-away SQLite file in ``directory``."""
    settings = Settings(env="dev", database_url=f"sqlite:///{directory / 'db.sqlite'}")
    return create_app(settings.model_copy(update={"run_worker": False})).openapi()


def request_bodies(doc: Schema) -> Iterator[tuple[str, Schema]]:
    """("METHOD /path", schema) of every request body of every operation."""
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {path}", content["schema"]


def fields(
    schema: Schema, where: str, doc: Schema, seen: set[str] | None = None
) -> Iterator[tuple[str, Schema]]:
    """Every node under ``schema`` with where it is ("Model.field", "tags[]", "map{}"), each
    referenced model walked once; alternatives (anyOf, oneOf, allOf) keep their field's name."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            for prop, sub in doc["components"]["schemas"][name].get("properties", {}).items():
                yield from fields(sub, f"{name}.{prop}", doc, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from fields(sub, where, doc, seen)
    yield where, schema
    if schema.get("type") == "array":
        yield from fields(schema.get("items", {}), f"{where}[]", doc, seen)
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        yield from fields(schema["additionalProperties"], f"{where}{{}}", doc, seen)
