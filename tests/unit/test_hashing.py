"""Record format v1 (docs/design.md §2, frozen): canonical form, digests and golden vectors."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.hashing.v1 import (
    build_record,
    canonical_bytes,
    digest_from_hex,
    digest_to_hex,
    record_digest,
)

VECTORS_PATH = Path(__file__).resolve().parent.parent / "vectors" / "record_digests_v1.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]

# docs/design.md §2.7 Example 1: its digest, as written there.
DESIGN_DIGEST = "0xad81c5e54a61bbbc78500361e0e79aeaa9afac2b9cb73524c4def38c7f0bd999"
MAX_SAFE = 2**53 - 1  # RFC 8785 (I-JSON) rejects integers outside ±(2^53 - 1)

DESIGN_EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-02T08:00:00.000Z",
    "eventTimeZoneOffset": "+08:00",
    "action": "ADD",
    "bizStep": "commissioning",
    "quantityList": [
        {
            "epcClass": "https://id.gs1.org/01/09506000134352/10/L2026-0001",
            "quantity": 1200,
            "uom": "KGM",
        }
    ],
    "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.2"},
    "lp:location": "Hangzhou plant 2",
}


def design_record(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "gtin": "09506000134352",
        "lot": "L2026-0001",
        "n": 0,
        "prev": None,
        "event": copy.deepcopy(DESIGN_EVENT),
        "actor": "acme-farms",
        "recorded_at": "2026-11-02T08:00:01.123Z",
        "salt": bytes([0x5A]) * 32,
    }
    arguments.update(overrides)
    return build_record(**arguments)


def _vector_id(vector: dict[str, Any]) -> str:
    return str(vector["name"])


class TestGoldenVectors:
    def test_design_worked_example_digest(self) -> None:
        record = design_record()
        assert digest_to_hex(record_digest(record)) == DESIGN_DIGEST
        assert record["salt"] == "0x" + "5a" * 32
        assert record["prev"] is None

    def test_design_example_is_a_vector(self) -> None:
        by_name = {v["name"]: v for v in VECTORS}
        assert by_name["design-worked-example"]["digest"] == DESIGN_DIGEST
        assert by_name["design-worked-example"]["record"] == design_record()

    def test_vector_file_covers_the_promised_cases(self) -> None:
        names = {v["name"] for v in VECTORS}
        assert len(VECTORS) >= 8
        assert {
            "design-worked-example",
            "chained-shipping",
            "unicode-text",
            "floats",
            "key-sorting",
            "empty-containers",
            "long-string",
        } <= names
        assert len(names) == len(VECTORS), "vector names must be unique"
        assert len({v["digest"] for v in VECTORS}) == len(VECTORS)

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_digest(self, vector: dict[str, Any]) -> None:
        assert digest_to_hex(record_digest(vector["record"])) == vector["digest"]

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_canonical_form(self, vector: dict[str, Any]) -> None:
        canonical = canonical_bytes(vector["record"])
        assert canonical == vector["canonical"].encode("utf-8")
        # The digest is plain sha256 of exactly these bytes; nothing else goes in.
        assert "0x" + hashlib.sha256(canonical).hexdigest() == vector["digest"]

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_vector_is_a_well_formed_record(self, vector: dict[str, Any]) -> None:
        record = vector["record"]
        assert record["v"] == 1
        assert set(record) == {"v", "batch", "n", "prev", "event", "actor", "recordedAt", "salt"}
        assert (record["n"] == 0) == (record["prev"] is None)
        digest_from_hex(record["salt"])  # 0x + 64 lowercase hex, like a digest
        if record["prev"] is not None:
            digest_from_hex(record["prev"])

    def test_chained_vector_points_at_the_worked_example(self) -> None:
        by_name = {v["name"]: v for v in VECTORS}
        chained = by_name["chained-shipping"]["record"]
        assert chained["n"] == 1
        assert chained["prev"] == DESIGN_DIGEST

    def test_floats_use_ecmascript_number_form(self) -> None:
        by_name = {v["name"]: v for v in VECTORS}
        canonical = by_name["floats"]["canonical"]
        for fragment in (
            '"big":1e+21',
            '"negativeZero":0,',
            '"whole":1200}',
            '"tiny":1e-7',
            '"quantity":0.1,',
            '"sum":0.30000000000000004',
            '"almostBig":100000000000000000000,',
        ):
            assert fragment in canonical

    def test_keys_are_sorted_by_utf16_code_units(self) -> None:
        by_name = {v["name"]: v for v in VECTORS}
        canonical = by_name["key-sorting"]["canonical"]
        keys_in_order = ['"":7', '"10":4', '"2":5', '"B":6', '"a":2', '"aa":8', '"b":1', '"é":3']
        positions = [canonical.index(k) for k in keys_in_order]
        assert positions == sorted(positions)
        # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB00 in UTF-16
        # (but after it by code point): the JCS rule, not Python's default str order.
        assert canonical.index('"😀"') < canonical.index('"\ufb00"')


class TestCanonicalBytes:
    def test_small_literal(self) -> None:
        value = {"b": [1, 2.5, None, True], "a": "é", "\ufb00": 0, "😀": -0.0}
        expected = '{"a":"é","b":[1,2.5,null,true],"😀":0,"\ufb00":0}'.encode()
        assert canonical_bytes(value) == expected

    def test_int_and_integral_float_are_the_same_number(self) -> None:
        # JSON has one number type: 1200 and 1200.0 must hash alike in every language.
        as_int = design_record()
        as_float = design_record()
        as_float["event"]["quantityList"][0]["quantity"] = 1200.0
        assert record_digest(as_int) == record_digest(as_float)

    def test_out_of_range_integer_is_refused(self) -> None:
        record = design_record()
        record["event"]["quantityList"][0]["quantity"] = 2**53
        with pytest.raises(Exception, match="safe integer"):
            record_digest(record)


class TestBuildRecord:
    def test_fields(self) -> None:
        prev = bytes(range(32))
        record = design_record(n=4, prev=prev, salt=bytes([0xAB]) * 32)
        assert record == {
            "v": 1,
            "batch": {"gtin": "09506000134352", "lot": "L2026-0001"},
            "n": 4,
            "prev": "0x" + prev.hex(),
            "event": DESIGN_EVENT,
            "actor": "acme-farms",
            "recordedAt": "2026-11-02T08:00:01.123Z",
            "salt": "0x" + "ab" * 32,
        }

    @pytest.mark.parametrize("n", [-1, -100])
    def test_negative_n(self, n: int) -> None:
        with pytest.raises(ValueError, match="n must be >= 0"):
            design_record(n=n, prev=bytes(32))

    def test_first_record_must_not_have_prev(self) -> None:
        with pytest.raises(ValueError, match="prev must be None exactly when n == 0"):
            design_record(n=0, prev=bytes(32))

    @pytest.mark.parametrize("n", [1, 2, 1000])
    def test_later_record_must_have_prev(self, n: int) -> None:
        with pytest.raises(ValueError, match="prev must be None exactly when n == 0"):
            design_record(n=n, prev=None)

    @pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
    def test_salt_length(self, length: int) -> None:
        with pytest.raises(ValueError, match="salt must be 32 bytes"):
            design_record(salt=bytes(length))

    @pytest.mark.parametrize("length", [0, 31, 33])
    def test_prev_length(self, length: int) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            design_record(n=1, prev=bytes(length))

    def test_record_digest_refuses_other_versions(self) -> None:
        for version in (0, 2, "1", None):
            record = design_record()
            record["v"] = version
            with pytest.raises(ValueError, match="not a v1 record"):
                record_digest(record)
        with pytest.raises(ValueError, match="not a v1 record"):
            record_digest({k: v for k, v in design_record().items() if k != "v"})


class TestDigestHex:
    def test_round_trip(self) -> None:
        digest = bytes(range(32))
        text = digest_to_hex(digest)
        assert text == "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        assert digest_from_hex(text) == digest

    @given(st.binary(min_size=32, max_size=32))
    def test_round_trip_any(self, digest: bytes) -> None:
        text = digest_to_hex(digest)
        assert len(text) == 66
        assert text == text.lower()
        assert digest_from_hex(text) == digest

    @pytest.mark.parametrize("length", [0, 20, 31, 33])
    def test_to_hex_wrong_length(self, length: int) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            digest_to_hex(bytes(length))

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param(DESIGN_DIGEST.upper(), id="all-upper"),
            pytest.param("0x" + DESIGN_DIGEST[2:].upper(), id="upper-hex"),
            pytest.param(DESIGN_DIGEST[:-1] + "A", id="one-upper"),
            pytest.param("0X" + DESIGN_DIGEST[2:], id="upper-prefix"),
            pytest.param(DESIGN_DIGEST[2:], id="no-prefix"),
            pytest.param(DESIGN_DIGEST[:-1], id="63-hex"),
            pytest.param(DESIGN_DIGEST + "0", id="65-hex"),
            pytest.param(DESIGN_DIGEST + "00", id="33-bytes"),
            pytest.param("0x" + "ab" * 20, id="address-length"),
            pytest.param("0x", id="prefix-only"),
            pytest.param("", id="empty"),
            pytest.param(DESIGN_DIGEST[:-1] + "g", id="non-hex"),
            pytest.param(" " + DESIGN_DIGEST, id="leading-space"),
            pytest.param(DESIGN_DIGEST + " ", id="trailing-space"),
            pytest.param("0x" + "ab " * 21 + "a", id="inner-spaces"),
        ],
    )
    def test_from_hex_rejects(self, text: str) -> None:
        with pytest.raises(ValueError, match="0x followed by 64 lowercase hex"):
            digest_from_hex(text)

    def test_from_hex_rejects_trailing_newline(self) -> None:
        with pytest.raises(ValueError):
            digest_from_hex(DESIGN_DIGEST + "\n")


# JSON-ish values: what an event can hold (no floats, so equality after a JSON round trip
# is exact; floats have their own golden vector).
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE, max_value=MAX_SAFE)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


def _reorder(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys in a shuffled insertion order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _reorder(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_reorder(v, rng) for v in value]
    return value


def _record_with(event: dict[str, Any]) -> dict[str, Any]:
    return design_record(event={"type": "ObjectEvent", "lp:details": event})


class TestDigestIsAboutTheValue:
    @settings(max_examples=150)
    @given(json_objects, st.randoms(use_true_random=False))
    def test_key_order_does_not_matter(self, event: dict[str, Any], rng: random.Random) -> None:
        record = _record_with(event)
        shuffled = _reorder(record, rng)
        assert shuffled == record
        assert canonical_bytes(shuffled) == canonical_bytes(record)
        assert record_digest(shuffled) == record_digest(record)

    @settings(max_examples=150)
    @given(
        json_objects,
        st.sampled_from([None, 0, 1, 2, 4, "\t"]),
        st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\t")]),
        st.booleans(),
        st.booleans(),
    )
    def test_whitespace_and_escaping_of_the_input_do_not_matter(
        self,
        event: dict[str, Any],
        indent: int | str | None,
        separators: tuple[str, str],
        ensure_ascii: bool,
        sort_keys: bool,
    ) -> None:
        record = _record_with(event)
        text = json.dumps(
            record,
            indent=indent,
            separators=separators,
            ensure_ascii=ensure_ascii,
            sort_keys=sort_keys,
        )
        parsed = json.loads(text)
        assert record_digest(parsed) == record_digest(record)

    @given(json_objects)
    def test_canonical_form_is_compact_sorted_json(self, event: dict[str, Any]) -> None:
        record = _record_with(event)
        canonical = canonical_bytes(record)
        assert json.loads(canonical) == record
        # Idempotent: canonicalising the canonical text again gives the same bytes.
        assert canonical_bytes(json.loads(canonical)) == canonical


def _set(path: tuple[str | int, ...], value: Any) -> Any:
    def mutate(record: dict[str, Any]) -> None:
        target: Any = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


# One change to each field of the record, top level and nested.
SINGLE_FIELD_CHANGES = {
    "batch.gtin": _set(("batch", "gtin"), "09506000134369"),
    "batch.lot": _set(("batch", "lot"), "L2026-0002"),
    "batch.lot-case": _set(("batch", "lot"), "l2026-0001"),
    "n": _set(("n",), 1),
    "prev": _set(("prev",), "0x" + "00" * 32),
    "event.type": _set(("event", "type"), "AggregationEvent"),
    "event.eventTime": _set(("event", "eventTime"), "2026-11-02T08:00:00.001Z"),
    "event.eventTimeZoneOffset": _set(("event", "eventTimeZoneOffset"), "+09:00"),
    "event.action": _set(("event", "action"), "OBSERVE"),
    "event.bizStep": _set(("event", "bizStep"), "packing"),
    "event.quantity": _set(("event", "quantityList", 0, "quantity"), 1201),
    "event.quantity-fraction": _set(("event", "quantityList", 0, "quantity"), 1200.5),
    "event.quantity-type": _set(("event", "quantityList", 0, "quantity"), "1200"),
    "event.uom": _set(("event", "quantityList", 0, "uom"), "LBR"),
    "event.epcClass": _set(("event", "quantityList", 0, "epcClass"), "x"),
    "event.readPoint": _set(("event", "readPoint", "id"), "urn:epc:id:sgln:9506000.13435.3"),
    "event.location-space": _set(("event", "lp:location"), "Hangzhou plant 2 "),
    "event.new-key": _set(("event", "lp:details"), {}),
    "actor": _set(("actor",), "acme-farm"),
    "recordedAt": _set(("recordedAt",), "2026-11-02T08:00:01.124Z"),
    "salt": _set(("salt",), "0x" + "5a" * 31 + "5b"),
    "v-type": _set(("v",), 1.5),
}


class TestEveryFieldCounts:
    @pytest.mark.parametrize("change", SINGLE_FIELD_CHANGES.values(), ids=SINGLE_FIELD_CHANGES)
    def test_single_field_change_changes_digest(self, change: Any) -> None:
        record = design_record()
        change(record)
        if record["v"] != 1:
            with pytest.raises(ValueError):
                record_digest(record)
            return
        assert digest_to_hex(record_digest(record)) != DESIGN_DIGEST

    def test_removing_a_field_changes_digest(self) -> None:
        for key in ("batch", "n", "prev", "event", "actor", "recordedAt", "salt"):
            record = design_record()
            del record[key]
            assert digest_to_hex(record_digest(record)) != DESIGN_DIGEST, key

    @given(st.integers(min_value=0, max_value=255), st.integers(min_value=0, max_value=31))
    def test_any_salt_byte_changes_digest(self, value: int, position: int) -> None:
        salt = bytearray([0x5A] * 32)
        salt[position] = value
        digest = digest_to_hex(record_digest(design_record(salt=bytes(salt))))
        assert (digest == DESIGN_DIGEST) == (value == 0x5A)

    @given(st.binary(min_size=32, max_size=32), st.integers(min_value=1, max_value=2**31))
    def test_prev_and_n_are_in_the_digest(self, prev: bytes, n: int) -> None:
        base = design_record(n=n, prev=prev)
        other_prev = bytes([prev[0] ^ 1]) + prev[1:]
        assert record_digest(design_record(n=n, prev=other_prev)) != record_digest(base)
        assert record_digest(design_record(n=n + 1, prev=prev)) != record_digest(base)
