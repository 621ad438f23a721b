"""What every kind of record takes from a request (times, details) and what it answers."""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from typing import Annotated, Any

import rfc8785
from pydantic import AfterValidator, AwareDatetime, BaseModel

from service.hashing import jcs
from service.text import unsafe_in_json

MAX_DETAILS_BYTES = 32 * 1024
# Nesting beyond this is refused: every reader of the record (consumer JSON, audit bundles,
# verifiers in other languages) walks it recursively, and pydantic's serialiser gives up far
# below what 32 KiB of "{"a":" can reach. Real event details nest a few levels.
MAX_DETAILS_DEPTH = 32


def _nested_deeper_than(value: Any, levels: int) -> bool:
    """Whether ``value`` has more than ``levels`` levels of objects and arrays (a scalar has
    none). Recursion stops one level past ``levels``, so however deep the input, the stack
    stays shallow."""
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return False
    if levels == 0:
        return True
    for item in items:  # a loop, not any(...): scalars (most values) cost no call
        if isinstance(item, (dict, list)) and _nested_deeper_than(item, levels - 1):
            return True
    return False


def _canonicalizable(value: dict[str, Any]) -> dict[str, Any]:
    if _nested_deeper_than(value, MAX_DETAILS_DEPTH):
        raise ValueError(f"nested more than {MAX_DETAILS_DEPTH} levels deep")
    # Details are shown on consumer pages and in reports like any free text (service.text).
    unsafe = unsafe_in_json(value)
    if unsafe is not None:
        raise ValueError(f"no control or bidirectional formatting characters ({unsafe})")
    # The record is hashed as RFC 8785 JSON: reject what JCS cannot represent exactly
    # (integers beyond 2^53, NaN) now, with the field named, not as a 500 later.
    try:
        encoded = jcs.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise ValueError(f"not representable as canonical JSON: {e}") from e
    if len(encoded) > MAX_DETAILS_BYTES:
        raise ValueError(f"at most {MAX_DETAILS_BYTES} bytes of JSON")
    return value


# Free-form event details (``lp:details`` in the record), for every kind of record.
Details = Annotated[dict[str, Any], AfterValidator(_canonicalizable)]


def _fixed_offset(moment: datetime) -> datetime:
    """The same instant and UTC offset, with the standard library's fixed-offset tzinfo.

    pydantic's own tzinfo answers every ``utcoffset()`` through a call into its Rust core,
    and an event's time is converted several times on its way into a record and its answer:
    on the bulk path those calls are a large share of the CPU time.
    """
    offset = moment.utcoffset()
    assert offset is not None  # AwareDatetime
    fixed = moment.replace(tzinfo=UTC if not offset else timezone(offset))
    if fixed.year in (1, 9999):  # only the calendar's first and last years can overflow
        try:
            fixed.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the calendar once converted to UTC") from None
    return fixed


# Every time a request gives: aware, and convertible to UTC (years 1 and 9999 at an offset
# are not). Event times also have to fall inside the configured window (``window.py``).
EventTime = Annotated[AwareDatetime, AfterValidator(_fixed_offset)]


class EventRead(BaseModel):
    """A batch record as the recording endpoints answer it."""

    id: int
    batch_id: int
    n: int
    type: str
    event_time: datetime
    digest: str
    status: str
    recorded_at: datetime
