"""Parsing a bundle file: anything that is not a well-formed ``lotproof-bundle/1`` is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.bundlecheck import BundleError, load_bundle
from tests.unit.bundlecheck_builders import make_bundle


def test_a_well_formed_bundle_loads_from_text_or_bytes() -> None:
    bundle, _ = make_bundle()
    text = json.dumps(bundle)
    assert load_bundle(text) == bundle
    assert load_bundle(text.encode("utf-8")) == bundle


def test_truncated_json_is_a_bundle_error() -> None:
    bundle, _ = make_bundle()
    text = json.dumps(bundle)
    with pytest.raises(BundleError, match="JSON"):
        load_bundle(text[: len(text) // 2])


def test_bytes_that_are_not_utf8_are_a_bundle_error() -> None:
    with pytest.raises(BundleError, match="UTF-8"):
        load_bundle(b'{"format": "\xff"}')


def test_anchored_records_need_a_named_chain() -> None:
    bundle, _ = make_bundle()
    bundle.update(chain_id=None, contract=None, anchors=[])
    for entry in bundle["records"]:
        entry.update(anchor_index=None, proof=[])
    load_bundle(json.dumps(bundle))  # nothing anchored yet: fine without a chain
    bundle["records"][0]["anchor_index"] = 0
    with pytest.raises(BundleError, match="names no chain"):
        load_bundle(json.dumps(bundle))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("format",), "lotproof-bundle/2", "format"),
        (("chain_id",), "31337", "chain_id"),
        (("contract",), "0x1234", "contract"),
        (("batch", "record_count"), None, "record_count"),
        (("records", 0, "digest"), "0x" + "AB" * 32, "digest"),
        (("records", 0, "proof", 0), "0x12", "proof"),
        (("records", 0, "redacted"), True, "redacted"),
        (("records", 0, "n"), True, "n"),
        (("anchors", 1, "index"), 0, "twice"),
        (("anchors", 0, "root"), 5, "root"),
    ],
)
def test_malformed_bundles_are_bundle_errors(
    path: tuple[str | int, ...], value: Any, message: str
) -> None:
    bundle, _ = make_bundle()
    target: Any = bundle
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(BundleError, match=message):
        load_bundle(json.dumps(bundle))
