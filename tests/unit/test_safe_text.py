"""Every free-text field of every request body refuses control and bidi characters.

The guard is ``service.text.SafeLine`` / ``SafeText``; its JSON schema carries its
``pattern``. The walk below goes through the app's own OpenAPI document: a string field must
be an enum, a constant or a date, or carry a pattern that admits none of the refused
characters (the guard's, or a closed one such as ``^[A-Z0-9]{2,3}$``). A new ``str`` field
without the guard fails here, by name.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from service.text import LINE_PATTERN, TEXT_PATTERN, SafeLine, SafeText, unsafe_in_json
from tests.support.openapi import FILE_PART, app_document, fields, request_bodies

# A pattern is closed when it names every character it admits: no negated set, no class
# escape that admits controls, and no "." outside a bracketed set.
OPEN_CLASSES = re.compile(r"\[\^|\\[SWDsPp]")
ESCAPES_AND_SETS = re.compile(r"\\.|\[[^\]]*\]")
REFUSED = [
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    *(chr(c) for c in range(0x202A, 0x202F)),
    "\u2066",
    "\u2069",
]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return app_document(tmp_path_factory.mktemp("text"))


def _unguarded(schema: dict[str, Any], where: str, doc: dict[str, Any]) -> list[str]:
    return [
        name
        for name, node in fields(schema, where, doc)
        if node.get("type") == "string" and not _guarded(node) and name != FILE_PART
    ]


def _guarded(schema: dict[str, Any]) -> bool:
    if "enum" in schema or "const" in schema or schema.get("format") in ("date", "date-time"):
        return True
    pattern = schema.get("pattern")
    if pattern in (LINE_PATTERN, TEXT_PATTERN):
        return True
    if pattern is None or OPEN_CLASSES.search(pattern):
        return False
    return "." not in ESCAPES_AND_SETS.sub("", pattern)


def test_every_request_string_is_guarded(document: dict[str, Any]) -> None:
    unguarded: list[str] = []
    for where, schema in request_bodies(document):
        unguarded += _unguarded(schema, where, document)
    assert unguarded == []
    text = json.dumps(document)
    # The guard reached the document (both kinds of text are in use).
    assert json.dumps(LINE_PATTERN) in text and json.dumps(TEXT_PATTERN) in text


def test_the_walk_finds_an_unguarded_field() -> None:
    doc = {"components": {"schemas": {"A": {"properties": {"s": {"type": "string"}}}}}}
    assert _unguarded({"$ref": "#/components/schemas/A"}, "x", doc) == ["A.s"]
    names = {"type": "array", "items": {"type": "string", "pattern": "^.{1,9}$"}}
    assert _unguarded(names, "names", doc) == ["names[]"]
    closed = {"type": "string", "pattern": r"^0x[0-9a-fA-F]{40}$"}
    assert _unguarded(closed, "address", doc) == []
    assert _unguarded({"type": "string", "pattern": LINE_PATTERN}, "name", doc) == []
    kind = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]{0,63}$"}
    assert _unguarded(kind, "type", doc) == []
    assert _unguarded({"type": "string", "pattern": r"^\S+$"}, "s", doc) == ["s"]


class _Form(BaseModel):
    name: SafeLine
    note: SafeText


@pytest.mark.parametrize("bad", REFUSED)
def test_refused_characters_name_the_field(bad: str) -> None:
    for field in ("name", "note"):
        values = {"name": "Plant", "note": "ok"} | {field: f"Pla{bad}nt"}
        with pytest.raises(ValidationError) as caught:
            _Form.model_validate(values)
        (error,) = caught.value.errors()
        assert error["loc"] == (field,)
        assert f"U+{ord(bad):04X} at position 3" in error["msg"]
        assert re.fullmatch(LINE_PATTERN, values["name"]) is None or field == "note"
        assert re.fullmatch(TEXT_PATTERN, values["note"]) is None or field == "name"


def test_multi_line_text_keeps_tab_and_newlines_and_rtl_marks() -> None:
    note = "first line\r\n\tsecond \u200f\u05e9\u05dc\u05d5\u05dd\u200e line"
    assert _Form(name="Hangzhou plant 2 \u062c", note=note).note == note
    with pytest.raises(ValidationError):
        _Form(name="two\nlines", note="")
    assert re.fullmatch(TEXT_PATTERN, note) and not re.fullmatch(LINE_PATTERN, note)


def test_json_walk_names_the_path() -> None:
    assert unsafe_in_json({"a": [1, {"b": "x\u202ey"}]}) == "a[1].b: U+202E at position 1"
    assert unsafe_in_json({"k\x00": 1}) == "key 'k\\x00': U+0000 at position 1"
    assert unsafe_in_json({"note": "line 1\nline 2", "n": [1.5, None, True]}) is None
