"""The proof bundle format ``lotproof-bundle/1`` (docs/design.md §9.1): parsing and shape.

Only the shape is checked here (types, edge-form hex, no anchor listed twice), so that every
later check can index the bundle without guarding each field. Whether the content is true is
``service.bundlecheck.check``'s job.
"""

from __future__ import annotations

import json
import re
from typing import Any

from service.hashing import digest_from_hex

BUNDLE_FORMAT = "lotproof-bundle/1"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class BundleError(ValueError):
    """The file is not a well-formed bundle (bad JSON, truncated, wrong format, bad fields)."""


def load_bundle(data: str | bytes) -> dict[str, Any]:
    """Parse and shape-check a bundle (JSON, so UTF-8); anything malformed raises BundleError."""
    try:
        bundle = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except UnicodeDecodeError as e:
        raise BundleError(f"not UTF-8 text: {e}") from e
    except json.JSONDecodeError as e:
        raise BundleError(f"not valid JSON (truncated file?): {e}") from e
    check_shape(bundle)
    return bundle  # type: ignore[no-any-return]


def check_shape(bundle: Any) -> None:
    if not isinstance(bundle, dict):
        raise BundleError("a bundle is a JSON object")
    if bundle.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"format is {bundle.get('format')!r}, expected {BUNDLE_FORMAT!r}")
    if not ("chain_id" in bundle and "contract" in bundle):
        raise BundleError("bundle: chain_id and contract are required (null before any anchor)")
    if bundle["chain_id"] is not None or bundle["contract"] is not None:
        _need(bundle, "chain_id", int, "bundle")
        if not _ADDRESS.fullmatch(_need(bundle, "contract", str, "bundle")):
            raise BundleError("bundle.contract: not a 0x address of 40 hex digits")
    batch = _need(bundle, "batch", dict, "bundle")
    for key in ("gtin", "lot"):
        _need(batch, key, str, "batch")
    _need(batch, "record_count", int, "batch")
    for i, entry in enumerate(_need(bundle, "records", list, "bundle")):
        _check_entry(entry, f"records[{i}]")
    seen: set[int] = set()
    for i, anchor in enumerate(_need(bundle, "anchors", list, "bundle")):
        where = f"anchors[{i}]"
        index = _need(_object(anchor, where), "index", int, where)
        _hex32(_need(anchor, "root", str, where), f"{where}.root")
        _need(anchor, "leaf_count", int, where)
        if index in seen:
            raise BundleError(f"{where}: anchor {index} is listed twice")
        seen.add(index)
    if bundle["chain_id"] is None and any(e["anchor_index"] is not None for e in bundle["records"]):
        raise BundleError("records are anchored but the bundle names no chain")


def _check_entry(entry: Any, where: str) -> None:
    _need(_object(entry, where), "n", int, where)
    redacted = _need(entry, "redacted", bool, where)
    if "record" not in entry or (entry["record"] is None) != redacted:
        raise BundleError(f"{where}: record must be null exactly when redacted is true")
    if not redacted:
        _object(entry["record"], f"{where}.record")
    _hex32(_need(entry, "digest", str, where), f"{where}.digest")
    if entry.get("anchor_index", "missing") is not None:  # null is fine: pending
        _need(entry, "anchor_index", int, where)
    for j, node in enumerate(_need(entry, "proof", list, where)):
        _hex32(node, f"{where}.proof[{j}]")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(f"{where}: expected an object")
    return value


def _need(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    # bool is a subclass of int in Python, but `"n": true` is not a number in a bundle.
    if key not in obj or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BundleError(f"{where}.{key}: missing or not a {kind.__name__}")
    return value


def _hex32(value: Any, where: str) -> None:
    try:
        digest_from_hex(value)
    except (ValueError, TypeError) as e:  # TypeError: not a string at all
        raise BundleError(f"{where}: not 0x + 64 lowercase hex digits") from e
