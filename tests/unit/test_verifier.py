"""The inspector's bundle verifier against a fake chain, with bundles built from real records."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from service.bundlecheck import (
    BundleError,
    Outcome,
    Verdict,
    format_report,
    load_bundle,
    main,
    verify_bundle,
)
from service.bundlecheck import bundle as bundle_module
from service.hashing import build_record, digest_to_hex, record_digest
from service.ledger.interface import LedgerRejected, LedgerUnavailable, OnChainAnchor
from service.merkle import build_tree, verify_proof

GTIN, LOT = "09506000134352", "L2026-0001"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CHAIN_ID = 31337
STEPS = ("commissioning", "inspecting", "shipping", "receiving")
FOREIGN_DIGEST = b"\x77" * 32  # another batch's leaf sharing the first anchor


class FakeChain:
    """A TraceAnchor in memory: anchors by index, the contract's verify, a power switch."""

    def __init__(self, anchors: list[OnChainAnchor], chain_id: int = CHAIN_ID) -> None:
        self.anchors = anchors
        self.id = chain_id
        self.down = False
        self.reads = 0

    def _up(self) -> None:
        if self.down:
            raise LedgerUnavailable("chain RPC unreachable: ConnectionError")

    def chain_id(self) -> int:
        self._up()
        return self.id

    def anchor_at(self, index: int) -> OnChainAnchor | None:
        self._up()
        self.reads += 1
        return self.anchors[index] if 0 <= index < len(self.anchors) else None

    def verify(self, root: bytes, digest: bytes, proof: list[bytes]) -> bool:
        self._up()
        anchored = any(a.root == root for a in self.anchors)
        return anchored and verify_proof(root, digest, proof)


def _records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    prev: bytes | None = None
    for n, step in enumerate(STEPS):
        event = {"type": "ObjectEvent", "eventTime": f"2026-11-0{n + 2}T08:00:00.000Z",
                 "eventTimeZoneOffset": "+08:00", "action": "ADD" if n == 0 else "OBSERVE",
                 "bizStep": step, "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.2"},
        }  # fmt: skip
        record = build_record(
            gtin=GTIN, lot=LOT, n=n, prev=prev, event=event, actor="acme-farms",
            recorded_at=f"2026-11-0{n + 2}T08:00:01.123Z", salt=bytes([n + 1]) * 32,
        )  # fmt: skip
        records.append(record)
        prev = record_digest(record)
    return records


def make_bundle() -> tuple[dict[str, Any], FakeChain]:
    """Records 0-2 (and a foreign leaf) in anchor 0, record 3 alone in anchor 1."""
    records = _records()
    digests = [record_digest(r) for r in records]
    first = build_tree([*digests[:3], FOREIGN_DIGEST])
    second = build_tree(digests[3:])
    entries = [
        {
            "n": n,
            "record": record,
            "redacted": False,
            "digest": digest_to_hex(digests[n]),
            "anchor_index": 0 if n < 3 else 1,
            "proof": [digest_to_hex(p) for p in (first.proof(n) if n < 3 else second.proof(0))],
        }
        for n, record in enumerate(records)
    ]
    anchors = [
        {"index": 0, "root": digest_to_hex(first.root), "leaf_count": 4,
         "tx_hash": "0x" + "ab" * 32, "block_number": 7},
        {"index": 1, "root": digest_to_hex(second.root), "leaf_count": 1,
         "tx_hash": "0x" + "cd" * 32, "block_number": 9},
    ]  # fmt: skip
    bundle = {
        "format": "lotproof-bundle/1",
        "generated_at": "2026-11-23T02:00:00.000Z",
        "chain_id": CHAIN_ID,
        "contract": CONTRACT,
        "batch": {"gtin": GTIN, "lot": LOT, "product_name": "Green tea", "owner": "acme-farms",
                  "record_count": 4},
        "records": entries,
        "anchors": anchors,
    }  # fmt: skip
    return bundle, FakeChain(
        [
            OnChainAnchor(index=0, root=first.root, leaf_count=4, block_number=7, timestamp=1),
            OnChainAnchor(index=1, root=second.root, leaf_count=1, block_number=9, timestamp=2),
        ]
    )


def verdicts(bundle: dict[str, Any], chain: FakeChain) -> list[Verdict]:
    return [r.verdict for r in verify_bundle(bundle, chain).results]


def test_clean_bundle_is_authentic() -> None:
    bundle, chain = make_bundle()
    report = verify_bundle(load_bundle(json.dumps(bundle)), chain)
    assert report.outcome is Outcome.authentic and report.exit_code == 0
    assert [r.verdict for r in report.results] == [Verdict.verified] * 4
    assert [r.type for r in report.results] == list(STEPS)
    assert chain.reads == 2  # one read per anchor, not per record


def test_changed_event_field_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1]["record"]["event"]["bizStep"] = "destroying"
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1
    assert [r.verdict for r in report.results] == [
        Verdict.verified, Verdict.tampered, Verdict.verified, Verdict.verified,
    ]  # fmt: skip
    assert "digest" in report.results[1].reason


def test_changed_salt_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][2]["record"]["salt"] = "0x" + "00" * 32
    assert verify_bundle(bundle, chain).exit_code == 1
    assert verdicts(bundle, chain)[2] is Verdict.tampered


def test_edit_with_recomputed_digest_fails_the_proof() -> None:
    bundle, chain = make_bundle()
    entry = bundle["records"][3]
    entry["record"]["actor"] = "someone-else"
    entry["digest"] = digest_to_hex(record_digest(entry["record"]))
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1 and "proof" in report.results[3].reason


def test_deleted_record_is_tampered() -> None:
    bundle, chain = make_bundle()
    del bundle["records"][2]
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1
    assert report.results[2].verdict is Verdict.tampered
    assert report.problems  # 4 records stated, 3 listed


def test_deleted_record_with_adjusted_count_still_breaks_the_chain() -> None:
    bundle, chain = make_bundle()
    del bundle["records"][2]
    bundle["batch"]["record_count"] = 3
    bundle["records"][2]["n"] = 2
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1 and report.results[2].verdict is Verdict.tampered


def test_swapped_records_are_tampered() -> None:
    bundle, chain = make_bundle()
    records = bundle["records"]
    records[1], records[2] = records[2], records[1]
    assert verify_bundle(bundle, chain).exit_code == 1
    assert verdicts(bundle, chain)[1:3] == [Verdict.tampered, Verdict.tampered]


def test_proof_of_another_record_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1]["proof"] = bundle["records"][2]["proof"]
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1 and "proof" in report.results[1].reason


def test_root_never_anchored_is_tampered() -> None:
    bundle, chain = make_bundle()
    chain.anchors = chain.anchors[:1]  # the chain knows nothing at index 1
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1
    assert report.results[3].verdict is Verdict.tampered
    assert "does not exist on chain" in report.results[3].reason


def test_root_differing_from_the_chain_is_tampered() -> None:
    bundle, chain = make_bundle()
    chain.anchors = [chain.anchors[1], chain.anchors[0]]
    assert verdicts(bundle, chain) == [Verdict.tampered] * 4


def test_lying_leaf_count_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["anchors"][0]["leaf_count"] = 3  # hides the foreign leaf
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 1
    assert verdicts(bundle, chain)[:3] == [Verdict.tampered] * 3
    assert "leaves" in report.results[0].reason


def test_anchor_missing_from_bundle_is_tampered() -> None:
    bundle, chain = make_bundle()
    del bundle["anchors"][1]
    assert verdicts(bundle, chain)[3] is Verdict.tampered


def test_contract_disagreeing_with_the_proof_is_tampered() -> None:
    bundle, chain = make_bundle()
    chain.verify = lambda root, digest, proof: False  # type: ignore[method-assign]
    assert verify_bundle(bundle, chain).exit_code == 1


def test_chain_id_mismatch_is_refused() -> None:
    bundle, chain = make_bundle()
    chain.id = 1
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.refused and report.exit_code == 1
    assert not report.results
    assert "31337" in report.message and " 1" in report.message
    assert format_report(report).startswith("REFUSED")


def test_pending_record_exits_2_unless_something_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][3].update(anchor_index=None, proof=[])
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.pending and report.exit_code == 2
    assert report.results[3].verdict is Verdict.pending
    bundle["records"][0]["record"]["actor"] = "mallory"
    assert verify_bundle(bundle, chain).exit_code == 1


def test_redacted_record_is_still_proven() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True)
    report = verify_bundle(bundle, chain)
    assert report.exit_code == 0 and report.outcome is Outcome.authentic
    assert report.results[1].verdict is Verdict.redacted
    assert report.results[1].type == "redacted"


def test_redacted_record_with_a_forged_digest_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True, digest="0x" + "12" * 32)
    report = verify_bundle(bundle, chain)
    assert report.results[1].verdict is Verdict.tampered
    assert report.results[2].verdict is Verdict.tampered  # its prev no longer matches


def test_bundle_from_before_any_anchor_needs_no_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, _ = make_bundle()
    bundle.update(chain_id=None, contract=None, anchors=[])
    for entry in bundle["records"]:
        entry.update(anchor_index=None, proof=[])
    assert main([str(_write(tmp_path, bundle)), "--rpc", "http://unused"]) == 2
    assert "PENDING: 4 records (4 pending)" in capsys.readouterr().out
    bundle["records"][0]["anchor_index"] = 0
    with pytest.raises(BundleError, match="names no chain"):
        load_bundle(json.dumps(bundle))


def test_chain_down_exits_3() -> None:
    bundle, chain = make_bundle()
    chain.down = True
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.unreachable and report.exit_code == 3


def test_address_without_a_trace_anchor_is_refused() -> None:
    bundle, chain = make_bundle()

    def no_contract(index: int) -> OnChainAnchor | None:
        raise LedgerRejected("chain error: Could not transact with/call contract function")

    chain.anchor_at = no_contract  # type: ignore[method-assign]
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.refused and report.exit_code == 1
    assert CONTRACT in report.message


def test_truncated_json_is_a_bundle_error() -> None:
    bundle, _ = make_bundle()
    text = json.dumps(bundle)
    with pytest.raises(BundleError, match="JSON"):
        load_bundle(text[: len(text) // 2])


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


def test_format_report_has_a_row_per_record_and_a_summary() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True)
    text = format_report(verify_bundle(bundle, chain))
    lines = text.splitlines()
    assert lines[0].split() == ["n", "type", "digest", "anchor", "verdict", "reason"]
    assert len(lines) == 2 + 4 + 1
    assert lines[-1] == "AUTHENTIC: 4 records (3 verified, 1 redacted)"


def _write(tmp_path: Path, bundle: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def test_main_prints_the_table_and_returns_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, chain = make_bundle()
    seen: dict[str, Any] = {}

    def reader(**kwargs: Any) -> FakeChain:
        seen.update(kwargs)
        return chain

    monkeypatch.setattr(bundle_module, "ContractReader", reader)
    assert main([str(_write(tmp_path, bundle)), "--rpc", "http://node:8545"]) == 0
    assert seen["address"] == CONTRACT and seen["rpc_url"] == "http://node:8545"
    assert "AUTHENTIC" in capsys.readouterr().out
    chain.id = 5
    assert main([str(_write(tmp_path, bundle)), "--rpc", "http://node:8545"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED" in out and "31337" in out and "chain id 5" in out


def test_main_refuses_a_contract_other_than_the_pinned_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, _ = make_bundle()
    args = [str(_write(tmp_path, bundle)), "--rpc", "http://x", "--contract", "0x" + "11" * 20]
    assert main(args) == 1
    assert "REFUSED" in capsys.readouterr().out


def test_main_on_unreadable_or_truncated_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing.json"), "--rpc", "http://x"]) == 1
    assert "cannot read" in capsys.readouterr().out
    truncated = tmp_path / "cut.json"
    truncated.write_text('{"format": "lotproof-bundle/1", "chain_', encoding="utf-8")
    assert main([str(truncated), "--rpc", "http://x"]) == 1
    assert "invalid bundle" in capsys.readouterr().out


def test_main_with_nothing_listening_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bundle, _ = make_bundle()
    code = main([str(_write(tmp_path, bundle)), "--rpc", f"http://127.0.0.1:{port}"])
    assert code == 3
    assert "UNREACHABLE" in capsys.readouterr().out
