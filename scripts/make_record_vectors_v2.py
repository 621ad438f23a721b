"""Generate tests/vectors/record_digests_v2.json: golden vectors for record format v2.

Version 2 is the organisation-scoped record (``service/hashing/v2.py``). Like the v1 file, the
records come from fixed inputs (no randomness, no clock) and the file is FROZEN once written:
``--check`` (run by ``make test``) compares a fresh build against the committed file, and a
difference means v2 hashing changed, which is a bug, never a reason to regenerate.

Usage (from the repository root):
    .venv/bin/python scripts/make_record_vectors_v2.py          # write the file
    .venv/bin/python scripts/make_record_vectors_v2.py --check  # exit 1 if it would differ
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from service.hashing.v1 import canonical_bytes, digest_to_hex  # noqa: E402
from service.hashing.v2 import build_org_record, record_digest  # noqa: E402

OUTPUT = REPO_ROOT / "tests" / "vectors" / "record_digests_v2.json"


def _vectors() -> list[tuple[str, str, dict[str, Any]]]:
    certificate = build_org_record(
        org="acme-farms",
        n=0,
        prev=None,
        event={
            "type": "lp:CertificateEvent",
            "eventTime": "2026-11-23T08:00:00.000Z",
            "eventTimeZoneOffset": "+08:00",
            "lp:certificate": {
                "type": "iso-9001",
                "issuer": "SGS China",
                "number": "CN-9001-2026-0042",
                "validFrom": "2026-01-01",
                "validTo": "2028-12-31",
                "evidence": ["0x" + "ab" * 32],
            },
        },
        actor="acme-farms",
        recorded_at="2026-11-23T08:00:01.000Z",
        salt=bytes([0x5A]) * 32,
    )
    suspension = build_org_record(
        org="acme-farms",
        n=1,
        prev=record_digest(certificate),
        event={
            "type": "lp:SuspensionEvent",
            "eventTime": "2026-11-24T02:30:00.000Z",
            "eventTimeZoneOffset": "+00:00",
            "lp:suspension": {"action": "suspend", "reason": "伪造检测报告 (forged test report)"},
        },
        actor="platform-admin",
        recorded_at="2026-11-24T02:30:00.500Z",
        salt=bytes(range(32)),
    )
    reinstated = build_org_record(
        org="acme-farms",
        n=2,
        prev=record_digest(suspension),
        event={
            "type": "lp:SuspensionEvent",
            "eventTime": "2026-12-01T00:00:00.000Z",
            "eventTimeZoneOffset": "+00:00",
            "lp:suspension": {"action": "lift", "reason": "corrective action verified"},
        },
        actor="platform-admin",
        recorded_at="2026-12-01T00:00:00.001Z",
        salt=bytes([0xFF]) * 32,
    )
    return [
        ("certificate", "n = 0: a supplier records its ISO 9001 certificate", certificate),
        ("suspension", "n = 1, prev = certificate; a platform admin suspends", suspension),
        ("reinstated", "n = 2, prev = suspension; the suspension is lifted", reinstated),
    ]


def build_document() -> str:
    entries = [
        {
            "name": name,
            "description": description,
            "record": record,
            "canonical": canonical_bytes(record).decode("utf-8"),
            "digest": digest_to_hex(record_digest(record)),
        }
        for name, description, record in _vectors()
    ]
    document = {
        "format": "lotproof record v2 (organisation history)",
        "digest": "sha256(RFC 8785 JCS(record)), 0x + 64 lowercase hex",
        "frozen": "never regenerate or edit; a change here means v2 hashing broke",
        "vectors": entries,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


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
