"""The bundle checks against a fake chain, with bundles built from real records."""

from __future__ import annotations

import json
from typing import Any

from service.bundlecheck import Outcome, Verdict, format_report, load_bundle, verify_bundle
from service.hashing import digest_from_hex, digest_to_hex, record_digest
from service.ledger.interface import LedgerRejected, OnChainAnchor
from service.merkle import build_tree
from tests.unit.bundlecheck_builders import CONTRACT, FOREIGN_DIGEST, STEPS, FakeChain, make_bundle


def verdicts(bundle: dict[str, Any], chain: FakeChain) -> list[Verdict]:
    return [r.verdict for r in verify_bundle(bundle, chain).results]


def test_clean_bundle_is_authentic() -> None:
    bundle, chain = make_bundle()
    report = verify_bundle(load_bundle(json.dumps(bundle)), chain)
    assert report.outcome is Outcome.authentic
    assert [r.verdict for r in report.results] == [Verdict.verified] * 4
    assert [r.type for r in report.results] == list(STEPS)
    assert chain.reads == 2  # one read per anchor, not per record


def test_changed_event_field_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1]["record"]["event"]["bizStep"] = "destroying"
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered
    assert [r.verdict for r in report.results] == [
        Verdict.verified, Verdict.tampered, Verdict.verified, Verdict.verified,
    ]  # fmt: skip
    assert "digest" in report.results[1].reason


def test_changed_salt_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][2]["record"]["salt"] = "0x" + "00" * 32
    assert verify_bundle(bundle, chain).outcome is Outcome.tampered
    assert verdicts(bundle, chain)[2] is Verdict.tampered


def test_edit_with_recomputed_digest_fails_the_proof() -> None:
    bundle, chain = make_bundle()
    entry = bundle["records"][3]
    entry["record"]["actor"] = "someone-else"
    entry["digest"] = digest_to_hex(record_digest(entry["record"]))
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered and "proof" in report.results[3].reason


def test_deleted_record_is_tampered() -> None:
    bundle, chain = make_bundle()
    del bundle["records"][2]
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered
    assert report.results[2].verdict is Verdict.tampered
    assert report.problems  # 4 records stated, 3 listed


def test_deleted_record_with_adjusted_count_still_breaks_the_chain() -> None:
    bundle, chain = make_bundle()
    del bundle["records"][2]
    bundle["batch"]["record_count"] = 3
    bundle["records"][2]["n"] = 2
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered and report.results[2].verdict is Verdict.tampered


def test_swapped_records_are_tampered() -> None:
    bundle, chain = make_bundle()
    records = bundle["records"]
    records[1], records[2] = records[2], records[1]
    assert verify_bundle(bundle, chain).outcome is Outcome.tampered
    assert verdicts(bundle, chain)[1:3] == [Verdict.tampered, Verdict.tampered]


def test_proof_of_another_record_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1]["proof"] = bundle["records"][2]["proof"]
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered and "proof" in report.results[1].reason


def test_root_never_anchored_is_tampered() -> None:
    bundle, chain = make_bundle()
    chain.anchors = chain.anchors[:1]  # the chain knows nothing at index 1
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered
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
    assert report.outcome is Outcome.tampered
    assert verdicts(bundle, chain)[:3] == [Verdict.tampered] * 3
    assert "leaves" in report.results[0].reason


def test_anchor_missing_from_bundle_is_tampered() -> None:
    bundle, chain = make_bundle()
    del bundle["anchors"][1]
    assert verdicts(bundle, chain)[3] is Verdict.tampered


def test_contract_disagreeing_with_the_proof_is_tampered() -> None:
    bundle, chain = make_bundle()
    chain.verify = lambda root, digest, proof: False  # type: ignore[method-assign]
    assert verify_bundle(bundle, chain).outcome is Outcome.tampered


def test_chain_id_mismatch_is_refused() -> None:
    bundle, chain = make_bundle()
    chain.id = 1
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.refused
    assert not report.results
    assert "31337" in report.message and " 1" in report.message
    assert format_report(report).startswith("REFUSED")


def test_pending_record_makes_the_bundle_pending_unless_something_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][3].update(anchor_index=None, proof=[])
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.pending
    assert report.results[3].verdict is Verdict.pending
    bundle["records"][0]["record"]["actor"] = "mallory"
    assert verify_bundle(bundle, chain).outcome is Outcome.tampered


def test_redacted_record_is_still_proven() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True)
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.authentic
    assert report.results[1].verdict is Verdict.redacted
    assert report.results[1].type == "redacted"


def test_redacted_record_with_a_forged_digest_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle["records"][1].update(record=None, redacted=True, digest="0x" + "12" * 32)
    report = verify_bundle(bundle, chain)
    assert [r.verdict for r in report.results] == [
        Verdict.verified, Verdict.tampered, Verdict.verified, Verdict.verified,
    ]  # fmt: skip
    assert report.outcome is Outcome.tampered
    assert report.problems == (
        "chain broken between n=1 and n=2: the prev of n=2 is not the digest listed for n=1, "
        "which is tampered",
    )


def test_chain_down_is_unreachable() -> None:
    bundle, chain = make_bundle()
    chain.down = True
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.unreachable


def test_address_without_a_trace_anchor_is_refused() -> None:
    bundle, chain = make_bundle()

    def no_contract(index: int) -> OnChainAnchor | None:
        raise LedgerRejected("chain error: Could not transact with/call contract function")

    chain.anchor_at = no_contract  # type: ignore[method-assign]
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.refused
    assert CONTRACT in report.message


def test_altered_record_is_tampered_but_its_successor_is_not_accused() -> None:
    """As in the service's own check: the successor's prev still names the original digest."""
    bundle, chain = make_bundle()
    entry = bundle["records"][1]
    entry["record"]["event"]["bizStep"] = "destroying"
    entry["digest"] = digest_to_hex(record_digest(entry["record"]))  # a consistent edit
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered
    assert [r.verdict for r in report.results] == [
        Verdict.verified, Verdict.tampered, Verdict.verified, Verdict.verified,
    ]  # fmt: skip
    assert "proof" in report.results[1].reason and report.results[2].reason == ""
    assert len(report.problems) == 1
    assert report.problems[0].startswith("chain broken between n=1 and n=2")


def test_broken_link_after_an_untampered_record_accuses_the_successor() -> None:
    """A redacted entry swapped for another anchored leaf passes its own proof; the next
    record's prev is then the only witness, so that record carries the break."""
    bundle, chain = make_bundle()
    leaves = [digest_from_hex(e["digest"]) for e in bundle["records"][:3]]
    foreign_proof = build_tree([*leaves, FOREIGN_DIGEST]).proof(3)
    bundle["records"][1].update(
        record=None,
        redacted=True,
        digest=digest_to_hex(FOREIGN_DIGEST),
        proof=[digest_to_hex(p) for p in foreign_proof],
    )
    report = verify_bundle(bundle, chain)
    assert [r.verdict for r in report.results] == [
        Verdict.verified, Verdict.redacted, Verdict.tampered, Verdict.verified,
    ]  # fmt: skip
    assert "chain broken" in report.results[2].reason
    assert report.outcome is Outcome.tampered and not report.problems


def test_empty_bundle_proves_nothing() -> None:
    bundle, chain = make_bundle()
    bundle.update(records=[], anchors=[])
    bundle["batch"]["record_count"] = 0
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.pending
    assert "no records" in report.message and not report.results
    assert chain.reads == 0


def test_empty_bundle_of_a_batch_with_records_is_tampered() -> None:
    bundle, chain = make_bundle()
    bundle.update(records=[], anchors=[])
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.tampered
    assert report.problems == ("batch has 4 records, bundle lists 0",)


def test_malformed_bundle_is_invalid_not_an_exception() -> None:
    bundle, chain = make_bundle()
    bundle["records"][0]["digest"] = "0x12"
    report = verify_bundle(bundle, chain)
    assert report.outcome is Outcome.invalid and "digest" in report.message
