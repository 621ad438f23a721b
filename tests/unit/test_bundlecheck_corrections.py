"""A corrected record in a bundle (docs/design.md §2.10): the verifier accepts it and says so.

The declaration is built by the service's own builder (``error_declaration_event``), so the
writer and the one reader of declarations (``service.corrections.declarations``) are pinned
together here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from service.bundlecheck import Outcome, Verdict, format_report, load_bundle, verify_bundle
from service.corrections.declarations import REASONS, parse_declaration
from service.corrections.schemas import ErrorReason
from service.hashing import build_record, digest_from_hex, digest_to_hex, record_digest
from service.ledger.interface import OnChainAnchor
from service.merkle import build_tree
from service.records.epcis import error_declaration_event, record_urn
from tests.unit.bundlecheck_builders import GTIN, LOT, FakeChain, make_bundle

DECLARED, CORRECTIVE = 1, 3  # the inspection is wrong; the receiving corrects it (same actor)
DECLARED_AT = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)


def declaration_record(
    bundle: dict[str, Any],
    *,
    declared: int = DECLARED,
    corrective: tuple[int, ...] = (CORRECTIVE,),
    actor: str = "acme-farms",
    digest: str | None = None,
) -> dict[str, Any]:
    entries = bundle["records"]
    event = error_declaration_event(
        declared=entries[declared]["record"]["event"],
        declared_n=declared,
        declared_digest=digest or entries[declared]["digest"],
        at=DECLARED_AT,
        reason="incorrect_data",
        corrective=[entries[n]["digest"] for n in corrective],
    )
    return build_record(
        gtin=GTIN, lot=LOT, n=len(entries), prev=digest_from_hex(entries[-1]["digest"]),
        event=event, actor=actor, recorded_at="2026-11-06T09:30:00.000Z", salt=b"\x42" * 32,
    )  # fmt: skip


def append_anchored(bundle: dict[str, Any], chain: FakeChain, record: dict[str, Any]) -> None:
    """``record`` as the bundle's next entry, alone in a new anchor the chain holds."""
    digest = record_digest(record)
    tree = build_tree([digest])
    index = len(bundle["anchors"])
    bundle["records"].append(
        {"n": record["n"], "record": record, "redacted": False,
         "digest": digest_to_hex(digest), "anchor_index": index,
         "proof": [digest_to_hex(p) for p in tree.proof(0)]}
    )  # fmt: skip
    bundle["anchors"].append(
        {"index": index, "root": digest_to_hex(tree.root), "leaf_count": 1,
         "tx_hash": "0x" + "ef" * 32, "block_number": 11}
    )  # fmt: skip
    bundle["batch"]["record_count"] += 1
    chain.anchors.append(
        OnChainAnchor(index=index, root=tree.root, leaf_count=1, block_number=11, timestamp=3)
    )


def corrected_bundle(**declaration: Any) -> tuple[dict[str, Any], FakeChain]:
    bundle, chain = make_bundle()
    append_anchored(bundle, chain, declaration_record(bundle, **declaration))
    return bundle, chain


class TestTheBuilderAndTheReaderAgree:
    def test_what_the_service_writes_is_what_verifiers_read(self) -> None:
        bundle, _ = make_bundle()
        record = declaration_record(bundle)
        event = record["event"]
        assert event["eventTime"] == bundle["records"][DECLARED]["record"]["event"]["eventTime"]
        assert "readPoint" not in event  # what and when only, never the details
        parsed = parse_declaration(record["n"], record)
        assert parsed.declared_n == DECLARED and parsed.reason == "incorrect_data"
        assert parsed.declared_digest == bundle["records"][DECLARED]["digest"]
        assert parsed.declared_at == DECLARED_AT
        corrective_digest = bundle["records"][CORRECTIVE]["digest"]
        assert parsed.corrective == (corrective_digest,)
        assert event["errorDeclaration"]["correctiveEventIDs"] == [record_urn(corrective_digest)]

    def test_the_reasons_are_the_cbvs(self) -> None:
        assert set(REASONS) == {reason.value for reason in ErrorReason}


class TestACorrectedBundle:
    def test_is_authentic_and_reports_the_correction(self) -> None:
        bundle, chain = corrected_bundle()
        report = verify_bundle(load_bundle(json.dumps(bundle)), chain)
        assert report.outcome is Outcome.authentic, format_report(report)
        assert [r.verdict for r in report.results] == [Verdict.verified] * 5
        declared, corrective, declaration = (report.results[n] for n in (DECLARED, 3, 4))
        assert declared.correction == (
            "corrected: declared erroneous (incorrect_data) by n=4; corrective: n=3"
        )
        assert corrective.correction == "corrects n=1"
        assert declaration.type == "error_declaration"
        assert declaration.correction == "declares n=1 erroneous (incorrect_data)"
        assert report.results[0].correction == report.results[2].correction == ""
        text = format_report(report)
        assert text.splitlines()[0].split()[-1] == "correction"
        assert text.endswith("(5 verified); 1 declared erroneous by their actor")

    def test_without_corrections_the_report_is_as_before(self) -> None:
        bundle, chain = make_bundle()
        text = format_report(verify_bundle(bundle, chain))
        assert "correction" not in text and "declared" not in text

    def test_a_declaration_without_a_corrective_record(self) -> None:
        bundle, chain = corrected_bundle(corrective=())
        report = verify_bundle(bundle, chain)
        assert report.outcome is Outcome.authentic
        assert report.results[DECLARED].correction.endswith("corrective: none given")


class TestADeclarationThatDoesNotHold:
    @pytest.mark.parametrize(
        ("declaration", "why"),
        [
            ({"actor": "someone-else"}, "recorded by another actor"),
            ({"digest": "0x" + "ab" * 32}, "digest differs"),
            ({"corrective": (0,)}, "is not between them"),
        ],
        ids=["another-actor", "wrong-digest", "corrective-before"],
    )
    def test_marks_nothing_and_says_why(self, declaration: dict[str, Any], why: str) -> None:
        bundle, chain = corrected_bundle(**declaration)
        report = verify_bundle(bundle, chain)
        assert report.outcome is Outcome.authentic  # integrity is intact all the same
        assert report.results[DECLARED].correction == ""
        note = report.results[4].correction
        assert note.startswith("declaration not honoured") and why in note, note

    def test_a_second_declaration_of_one_record_is_not_honoured(self) -> None:
        bundle, chain = corrected_bundle()
        append_anchored(bundle, chain, declaration_record(bundle, corrective=()))
        report = verify_bundle(bundle, chain)
        assert report.results[DECLARED].correction.startswith("corrected: ") and (
            "by n=4;" in report.results[DECLARED].correction
        )
        assert "declared already by n=4" in report.results[5].correction

    def test_a_tampered_declared_record_is_tampered_not_corrected(self) -> None:
        bundle, chain = corrected_bundle()
        bundle["records"][DECLARED]["record"]["event"]["bizStep"] = "destroying"
        report = verify_bundle(bundle, chain)
        assert report.outcome is Outcome.tampered
        assert report.results[DECLARED].verdict is Verdict.tampered
        assert report.results[DECLARED].correction == ""
        assert "declaration not honoured" in report.results[4].correction
