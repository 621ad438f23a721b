"""RFC 8785 canonical JSON, fast: orjson where it provably agrees.

``rfc8785.dumps`` is pure Python, slow enough to be the largest cost of a verification if
every record went through it. For the values records actually hold, orjson with
sorted keys (it writes no whitespace and no ASCII escapes) writes the same bytes as RFC 8785,
provided that:

- every key sorts the same by code point (Python) as by UTF-16 code unit (RFC 8785), which
  holds when no key has a character above U+FFFF;
- every number prints the same: integers within +-(2^53 - 1) do; a float that is a whole
  number is printed as that integer (ECMAScript prints 1200.0 as "1200", and -0.0 as "0");
  another float prints the same when 1e-4 <= |x| < 1e16 (both then use the shortest
  round-trip digits in plain notation);
- strings are escaped alike: both escape only '"', '\\' and U+0000..U+001F (with the short
  forms \\b \\f \\n \\r \\t and lowercase \\u00xx otherwise) and write everything else raw.

Anything else (huge or tiny floats, astral-plane keys, lone surrogates, big integers, other
types) goes to ``rfc8785.dumps``, which stays the reference: a property test checks that both
give the same bytes on random JSON values, and the golden vectors pin the output.

orjson rather than the standard library's C encoder (same conditions, same bytes) because it
encodes a record several times faster, and encoding is on every write and verification.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import rfc8785

_MAX_SAFE = 2**53 - 1
# Characters outside the Basic Multilingual Plane: UTF-16 sorts them before U+E000..U+FFFF.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class _Unsupported(Exception):
    """The value needs the reference implementation."""


def _prepared(value: Any) -> Any:
    """``value`` with whole floats as ints; raises _Unsupported where the C encoder differs."""
    # Exact types first: this walk runs over every value of every record hashed.
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict:
        # ASCII keys and string values (nearly all) are passed inline: a function call for
        # each of them would be a large share of hashing a record.
        return {
            (key if type(key) is str and key.isascii() else _key(key)): (
                item if type(item) is str else _prepared(item)
            )
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) is str else _prepared(item) for item in value]
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return value
        raise _Unsupported
    if isinstance(value, float):
        if value.is_integer():
            # Exact up to 2^53; beyond, ECMAScript pads the shortest digits with zeros.
            if abs(value) <= _MAX_SAFE:
                return int(value)
            raise _Unsupported
        if 1e-4 <= abs(value) < 1e16:
            return value
        raise _Unsupported
    if isinstance(value, dict):
        return {_key(key): _prepared(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_prepared(item) for item in value]
    raise _Unsupported


def _key(key: Any) -> str:
    """A key the C encoder sorts as RFC 8785 does (UTF-16 order = code point order)."""
    if not isinstance(key, str) or (not key.isascii() and _ASTRAL.search(key)):
        raise _Unsupported
    return key


def dumps(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (same output as ``rfc8785.dumps``)."""
    try:
        return orjson.dumps(_prepared(value), option=orjson.OPT_SORT_KEYS)
    except (_Unsupported, orjson.JSONEncodeError):  # e.g. a lone surrogate in a string
        return rfc8785.dumps(value)
