"""Generate tests/vectors/record_digests_v1.json: golden vectors for record format v1.

Each vector is a v1 record (docs/design.md §2.3), its RFC 8785 canonical form and its digest
``sha256(JCS(record))``. The records are built from fixed inputs (no randomness, no clock), so
the output is stable byte for byte.

These vectors are FROZEN: once committed they must never change for v1. Re-running this script
is only a check (``--check`` compares against the committed file); a different output means the
v1 hashing changed, which is a bug, never a reason to regenerate.

Usage (from the repository root):
    .venv/bin/python scripts/make_record_vectors.py          # write the file
    .venv/bin/python scripts/make_record_vectors.py --check  # exit 1 if it would differ
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from service.hashing.v1 import (  # noqa: E402
    build_record,
    canonical_bytes,
    digest_to_hex,
    record_digest,
)

OUTPUT = REPO_ROOT / "tests" / "vectors" / "record_digests_v1.json"
GTIN = "09506000134352"
LOT = "L2026-0001"
EPC_CLASS = f"https://id.gs1.org/01/{GTIN}/10/{LOT}"


def _worked_example() -> dict[str, Any]:
    """docs/design.md §2.7 Example 1, verbatim (salt = 32 bytes of 0x5a)."""
    return build_record(
        gtin=GTIN,
        lot=LOT,
        n=0,
        prev=None,
        event={
            "type": "ObjectEvent",
            "eventTime": "2026-11-02T08:00:00.000Z",
            "eventTimeZoneOffset": "+08:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": EPC_CLASS, "quantity": 1200, "uom": "KGM"}],
            "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.2"},
            "lp:location": "Hangzhou plant 2",
        },
        actor="acme-farms",
        recorded_at="2026-11-02T08:00:01.123Z",
        salt=bytes([0x5A]) * 32,
    )


def _vectors() -> list[tuple[str, str, dict[str, Any]]]:
    first = _worked_example()
    first_digest = record_digest(first)

    chained = build_record(
        gtin=GTIN,
        lot=LOT,
        n=1,
        prev=first_digest,
        event={
            "type": "ObjectEvent",
            "eventTime": "2026-11-03T01:30:00.250Z",
            "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "quantityList": [{"epcClass": EPC_CLASS, "quantity": 400, "uom": "KGM"}],
            "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:9506000.13435"}],
            "destinationList": [
                {"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00000"}
            ],
            "lp:location": "Ningbo port",
        },
        actor="blue-logistics",
        recorded_at="2026-11-03T01:30:02.000Z",
        salt=bytes(range(32)),
    )
    chained_digest = record_digest(chained)

    unicode_text = build_record(
        gtin=GTIN,
        lot=LOT,
        n=2,
        prev=chained_digest,
        event={
            "type": "ObjectEvent",
            "eventTime": "2026-11-04T09:15:00.000Z",
            "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "disposition": "in_progress",
            "lp:location": "杭州市西湖区龙井村 🍵 茶园",
            "lp:details": {
                "grade": "特级",
                "inspector": "Zoë Ångström",
                "remarks": "香气清高 ✅ 👍🏽 — no défauts; Ελληνικά; עברית; 𝄞",
            },
        },
        actor="qa-inspect",
        recorded_at="2026-11-04T09:15:00.999Z",
        salt=bytes(range(0xFF, 0xDF, -1)),
    )

    floats = build_record(
        gtin="00000000123457",
        lot="F/1.5",
        n=0,
        prev=None,
        event={
            "type": "ObjectEvent",
            "eventTime": "2026-12-31T23:59:59.999Z",
            "eventTimeZoneOffset": "-05:30",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": "x", "quantity": 0.1, "uom": "LTR"}],
            "lp:details": {
                "big": 1e21,
                "almostBig": 1e20,
                "negativeZero": -0.0,
                "whole": 1200.0,
                "third": 1 / 3,
                "celsius": -273.15,
                "tiny": 1e-7,
                "small": 0.000001,
                "minSubnormal": 5e-324,
                "max": 1.7976931348623157e308,
                "maxSafeInt": 2**53 - 1,
                "minSafeInt": -(2**53 - 1),
                "sum": 0.1 + 0.2,
            },
        },
        actor="f",
        recorded_at="2026-12-31T23:59:59.999Z",
        salt=bytes([0x00]) * 31 + bytes([0x01]),
    )

    key_sorting = build_record(
        gtin=GTIN,
        lot="SORT",
        n=7,
        prev=bytes([0xAB]) * 32,
        event={
            "type": "ObjectEvent",
            "lp:details": {
                "b": 1,
                "a": 2,
                "é": 3,
                "10": 4,
                "2": 5,
                "B": 6,
                "": 7,
                "aa": 8,
                "\ufb00": "U+FB00 sorts after the emoji in UTF-16 order",
                "😀": "surrogate pair D83D DE00",
                "\u0080": "C1 control as a key",
                "nested": {
                    "z": {"y": [{"b": True, "a": False}, None, [3, 2, 1]], "x": None},
                    "Z": "upper before lower",
                    "_": "underscore after upper-case letters",
                },
            },
        },
        actor="sorter",
        recorded_at="2027-01-01T00:00:00.000Z",
        salt=bytes([0xA5]) * 32,
    )

    empty = build_record(
        gtin=GTIN,
        lot=LOT,
        n=3,
        prev=bytes(32),
        event={
            "type": "ObjectEvent",
            "eventTime": "2026-11-05T00:00:00.000Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "OBSERVE",
            "bizStep": "receiving",
            "epcList": [],
            "lp:details": {},
            "lp:location": "",
        },
        actor="retail-1",
        recorded_at="2026-11-05T00:00:00.000Z",
        salt=bytes([0xFF]) * 32,
    )

    escapes = build_record(
        gtin=GTIN,
        lot=LOT,
        n=4,
        prev=bytes([0x01]) * 32,
        event={
            "type": "ObjectEvent",
            "lp:details": {
                "quotes": 'He said "hi" \\ left',
                "controls": "nul\u0000 bs\b ff\f nl\n cr\r tab\t us\u001f del\u007f",
                "html": "</script><b>&amp;</b>",
                "slash": "a/b",
                "lineSep": "\u2028\u2029",
            },
        },
        actor="escaper",
        recorded_at="2026-11-06T12:00:00.000Z",
        salt=bytes([0x3C]) * 32,
    )

    long_string = build_record(
        gtin=GTIN,
        lot=LOT,
        n=5,
        prev=bytes([0x02]) * 32,
        event={
            "type": "ObjectEvent",
            "lp:details": {
                "complaint": "".join(f"{i:05d} Lotproof 龙井 🍃 line\n" for i in range(400)),
            },
        },
        actor="consumer-desk",
        recorded_at="2026-11-07T08:00:00.000Z",
        salt=bytes([0x77]) * 32,
    )

    return [
        ("design-worked-example", "DESIGN §2 worked example, salt = 32 x 0x5a", first),
        ("chained-shipping", "n = 1, prev = digest of the worked example", chained),
        ("unicode-text", "Chinese, accents, emoji, astral plane characters", unicode_text),
        ("floats", "ECMAScript number serialisation: 0.1, 1e21, -0, 1200.0, ...", floats),
        ("key-sorting", "nested objects with keys sorted by UTF-16 code units", key_sorting),
        ("empty-containers", "empty details object, empty list, empty string", empty),
        ("string-escapes", "quotes, backslash, control characters, U+2028", escapes),
        ("long-string", "one string of about 12,000 characters", long_string),
    ]


def build_document() -> str:
    entries = []
    for name, description, record in _vectors():
        canonical = canonical_bytes(record)
        entries.append(
            {
                "name": name,
                "description": description,
                "record": record,
                "canonical": canonical.decode("utf-8"),
                "digest": digest_to_hex(record_digest(record)),
            }
        )
    document = {
        "format": "lotproof record v1",
        "digest": "sha256(RFC 8785 JCS(record)), 0x + 64 lowercase hex",
        "frozen": "never regenerate or edit; a change here means v1 hashing broke",
        "vectors": entries,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    # The file must give back exactly the records it was made from (floats included).
    reloaded = json.loads(text)["vectors"]
    for entry, again in zip(entries, reloaded, strict=True):
        assert again["record"] == entry["record"]
        assert digest_to_hex(record_digest(again["record"])) == entry["digest"]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    text = build_document()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(REPO_ROOT)} differs from a fresh build", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(REPO_ROOT)} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
