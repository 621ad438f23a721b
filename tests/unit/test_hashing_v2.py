"""Record format v2 (organisation history): golden vectors and the version dispatch."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from service import hashing
from service.hashing import v1, v2

ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = ROOT / "tests" / "vectors" / "record_digests_v2.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]
V1_VECTORS = json.loads((ROOT / "tests" / "vectors" / "record_digests_v1.json").read_text())


def _org_record(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "org": "acme-farms",
        "n": 0,
        "prev": None,
        "event": {"type": "lp:CertificateEvent", "eventTime": "2026-11-23T08:00:00.000Z"},
        "actor": "acme-farms",
        "recorded_at": "2026-11-23T08:00:01.000Z",
        "salt": bytes([0x5A]) * 32,
    }
    arguments.update(overrides)
    return v2.build_org_record(**arguments)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_golden_vector_digest_and_canonical_form(vector: dict[str, Any]) -> None:
    record = vector["record"]
    assert v1.canonical_bytes(record).decode() == vector["canonical"]
    assert v1.digest_to_hex(v2.record_digest(record)) == vector["digest"]
    # Independently of our code: sha256 over the committed canonical bytes.
    assert "0x" + hashlib.sha256(vector["canonical"].encode()).hexdigest() == vector["digest"]
    assert v1.digest_to_hex(hashing.record_digest(record)) == vector["digest"]


def test_vectors_chain_by_prev() -> None:
    for earlier, later in itertools.pairwise(VECTORS):
        assert later["record"]["prev"] == earlier["digest"]
        assert later["record"]["n"] == earlier["record"]["n"] + 1


def test_committed_file_matches_a_fresh_build() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_record_vectors_v2", ROOT / "scripts" / "make_record_vectors_v2.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_document() == VECTORS_PATH.read_text(encoding="utf-8")


def test_dispatch_keeps_v1_digests() -> None:
    for vector in V1_VECTORS["vectors"]:
        assert v1.digest_to_hex(hashing.record_digest(vector["record"])) == vector["digest"]


@pytest.mark.parametrize("version", [0, 3, "2", True, None, 2.0])
def test_unknown_versions_are_refused(version: object) -> None:
    record = _org_record()
    record["v"] = version
    with pytest.raises(ValueError, match="version"):
        hashing.record_digest(record)


def test_version_specific_digests_refuse_the_other_version() -> None:
    with pytest.raises(ValueError):
        v1.record_digest(_org_record())
    with pytest.raises(ValueError):
        v2.record_digest(VECTORS[0]["record"] | {"v": 1})


def test_every_field_changes_the_digest() -> None:
    base = v2.record_digest(_org_record())
    changed = [
        _org_record(org="acme-farms-2"),
        _org_record(n=1, prev=bytes(32)),
        _org_record(actor="platform-admin"),
        _org_record(recorded_at="2026-11-23T08:00:01.001Z"),
        _org_record(salt=bytes([0x5B]) * 32),
        _org_record(event={"type": "lp:CertificateEvent"}),
    ]
    digests = {v2.record_digest(r) for r in changed}
    assert base not in digests and len(digests) == len(changed)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"org": ""}, "org"),
        ({"n": -1}, "n must"),
        ({"n": 1}, "prev"),
        ({"prev": bytes(32)}, "prev"),
        ({"salt": bytes(31)}, "salt"),
    ],
)
def test_build_org_record_rejects_bad_input(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _org_record(**overrides)
