"""Free text from requests, refused when it carries characters that hide what it says.

Text a request sends is stored, hashed into records and shown again: on consumer pages, in PDF
reports and audit bundles, in other programs' terminals. Two kinds of character make what is
shown differ from what is stored:

* control characters: NUL cuts text short in C libraries and PostgreSQL refuses it in a text
  column; ESC starts terminal escape sequences; the rest (C0, DEL, C1) have no business in a
  name, a location or a reason. TAB, LF and CR are legitimate in multi-line text only.
* bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069): they make
  text display in another order than it is stored ("Trojan Source", CVE-2021-42574). The
  marks LRM, RLM and ALM (U+200E, U+200F, U+061C) stay allowed: they only nudge the display
  of right-to-left text and cannot reorder it.

``SafeLine`` and ``SafeText`` are the one guard for every free-text field of a request: the
validator names the character and its position, and the JSON schema carries the matching
``pattern`` (``LINE_PATTERN`` / ``TEXT_PATTERN``), so clients and Schemathesis know the rule
and ``tests/unit/test_safe_text.py`` finds a request field that lacks it, by name.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_BIDI = r"\u202a-\u202e\u2066-\u2069"
# Every C0 control, DEL and the C1 controls; text keeps TAB (\x09), LF (\x0a) and CR (\x0d).
_LINE_FORBIDDEN = rf"\x00-\x1f\x7f-\x9f{_BIDI}"
_TEXT_FORBIDDEN = rf"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}"

# Written with escapes only, so they read the same in Python and ECMA-262 (JSON Schema).
LINE_PATTERN = rf"^[^{_LINE_FORBIDDEN}]*$"
TEXT_PATTERN = rf"^[^{_TEXT_FORBIDDEN}]*$"

_LINE_BAD = re.compile(f"[{_LINE_FORBIDDEN}]")
_TEXT_BAD = re.compile(f"[{_TEXT_FORBIDDEN}]")


def unsafe_character(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` is refused ("U+202E at position 3"), or None when it is safe."""
    found = (_TEXT_BAD if multiline else _LINE_BAD).search(value)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} at position {found.start()}"


def _refusal(where: str) -> str:
    return (
        f"must not contain control characters or bidirectional formatting characters "
        f"(found {where})"
    )


def _check_line(value: str) -> str:
    where = unsafe_character(value, multiline=False)
    if where is not None:
        raise ValueError(_refusal(where))
    return value


def _check_text(value: str) -> str:
    where = unsafe_character(value)
    if where is not None:
        raise ValueError(_refusal(where) + "; TAB, LF and CR are allowed")
    return value


class Guard:
    """The guard as one piece of ``Annotated`` metadata: the check runs after what precedes
    it (``StringConstraints(strip_whitespace=True, ...)`` keeps its meaning), and the field's
    JSON schema gets the pattern (the validator's message is clearer than a failed pattern's)."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline
        self.pattern = TEXT_PATTERN if multiline else LINE_PATTERN

    def check(self, value: str) -> str:
        return _check_text(value) if self.multiline else _check_line(value)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


LINE = Guard(multiline=False)
TEXT = Guard(multiline=True)
# One line: names, locations, reasons, links. With other string constraints that transform
# the value (strip_whitespace), write ``Annotated[str, StringConstraints(...), LINE]``.
SafeLine = Annotated[str, LINE]
# May span lines: descriptions, instructions, notes.
SafeText = Annotated[str, TEXT]


def unsafe_in_json(value: Any, path: str = "") -> str | None:
    """Where free JSON (event details) holds an unsafe string, as "path: U+... at position n",
    in a key or a value; None when it holds none. Multi-line text is allowed in values."""
    if isinstance(value, str):
        where = unsafe_character(value)
        return None if where is None else f"{path or 'value'}: {where}"
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            where = unsafe_character(str(key), multiline=False)
            if where is not None:
                return f"key {inner!r}: {where}"
            found = unsafe_in_json(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unsafe_in_json(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
