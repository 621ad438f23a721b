"""Check a proof bundle against the chain, trusting nothing the operator says.

Digests are recomputed from the records' content, proofs are checked here and again by the
contract, roots and leaf counts are compared with contract storage. A stated digest is only
used where content was redacted, and then only because the chain proves it. The chain is only
read, through a ``ChainView`` (``service.ledger.reader.ContractReader``, or a fake in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from service.bundlecheck.bundle import BundleError, check_shape
from service.bundlecheck.corrections import note_corrections
from service.bundlecheck.verdict import BundleReport, Outcome, RecordResult, Verdict, outcome_of
from service.corrections.declarations import is_declaration
from service.hashing import digest_from_hex, digest_to_hex, record_digest
from service.ledger.interface import LedgerRejected, LedgerUnavailable, OnChainAnchor
from service.merkle import verify_proof

Entry = dict[str, Any]


class ChainView(Protocol):
    """The three reads the checker needs from a TraceAnchor."""

    def chain_id(self) -> int: ...

    def anchor_at(self, index: int) -> OnChainAnchor | None: ...

    def verify(self, root: bytes, digest: bytes, proof: list[bytes]) -> bool: ...


class _Tampered(Exception):
    """One record failed a check; the message is the reason shown to the inspector."""


@dataclass
class _Chain:
    """The ChainView with per-index memory: many records share one anchor."""

    view: ChainView
    anchors: dict[int, OnChainAnchor | None] = field(default_factory=dict)

    def anchor_at(self, index: int) -> OnChainAnchor | None:
        if index not in self.anchors:
            self.anchors[index] = self.view.anchor_at(index)
        return self.anchors[index]


def verify_bundle(bundle: dict[str, Any], chain: ChainView) -> BundleReport:
    """Check every record of ``bundle`` against its content, its neighbours and the chain."""
    try:
        check_shape(bundle)
    except BundleError as e:
        return BundleReport(Outcome.invalid, message=f"invalid bundle: {e}")
    try:
        return _verify_on(bundle, chain)
    except LedgerUnavailable as e:
        return BundleReport(Outcome.unreachable, message=str(e))
    except LedgerRejected as e:
        # A TraceAnchor only reverts these view calls for an unknown index (handled by the
        # reader), so a rejection means the address holds no TraceAnchor on this chain.
        return BundleReport(
            Outcome.refused, message=f"cannot read a TraceAnchor at {bundle['contract']}: {e}"
        )


def _verify_on(bundle: dict[str, Any], chain: ChainView) -> BundleReport:
    entries: list[Entry] = bundle["records"]
    stated = bundle["batch"]["record_count"]
    counted = (
        ()
        if stated == len(entries)
        else (f"batch has {stated} records, bundle lists {len(entries)}",)
    )
    if not entries:  # nothing to read from the chain either
        message = "the bundle lists no records, so it proves nothing"
        return BundleReport(outcome_of((), counted), problems=counted, message=message)
    # No chain named means nothing is anchored yet (check_shape): no chain call is needed.
    served = bundle["chain_id"] if bundle["chain_id"] is None else chain.chain_id()
    if served != bundle["chain_id"]:
        return BundleReport(
            Outcome.refused,
            message=f"bundle is for chain id {bundle['chain_id']}, "
            f"but the RPC endpoint serves chain id {served}",
        )
    results, breaks = _verify_entries(bundle, _Chain(chain))
    results = note_corrections(entries, results)
    problems = (*counted, *breaks)
    return BundleReport(outcome_of(results, problems), results=results, problems=problems)


def _verify_entries(
    bundle: dict[str, Any], chain: _Chain
) -> tuple[tuple[RecordResult, ...], tuple[str, ...]]:
    """Each entry's verdict, and the chain breaks that are not held against an entry.

    After an altered record its successor's ``prev`` cannot match the altered digest. The
    successor is then judged on its own content and proof, as in the service's own check
    (``service.verdicts.service``), and the break is listed as a batch problem.
    """
    results: list[RecordResult] = []
    breaks: list[str] = []
    anchors = {a["index"]: a for a in bundle["anchors"]}
    previous: Entry | None = None
    for position, entry in enumerate(bundle["records"]):
        broken = _link_broken(entry, previous)
        previous_tampered = bool(results) and results[-1].verdict is Verdict.tampered
        link_broken = broken and not previous_tampered
        results.append(_verify_entry(bundle, position, anchors, chain, link_broken))
        if broken and previous_tampered and previous is not None:
            before, n = previous["n"], entry["n"]
            breaks.append(
                f"chain broken between n={before} and n={n}: the prev of n={n} is not "
                f"the digest listed for n={before}, which is tampered"
            )
        previous = entry
    return tuple(results), tuple(breaks)


def _link_broken(entry: Entry, previous: Entry | None) -> bool:
    """The record's ``prev`` is not the previous entry's digest (``null`` for the first)."""
    record: dict[str, Any] | None = entry["record"]
    if record is None:  # redacted: the next unredacted record's prev binds it instead
        return False
    expected: str | None = None if previous is None else previous["digest"]
    return record.get("prev") != expected


def _verify_entry(
    bundle: dict[str, Any],
    position: int,
    anchors: dict[int, dict[str, Any]],
    chain: _Chain,
    link_broken: bool,
) -> RecordResult:
    entry = bundle["records"][position]
    result = RecordResult(
        n=entry["n"],
        type=_event_type(entry["record"]),
        digest=entry["digest"][:10] + "...",
        anchor_index=entry["anchor_index"],
        verdict=Verdict.redacted if entry["redacted"] else Verdict.verified,
    )
    try:
        if entry["record"] is not None:
            _check_content(bundle["batch"], entry)
        if link_broken:
            raise _Tampered("prev does not match the previous record's digest (chain broken)")
        if entry["n"] != position:  # deleted, inserted or reordered entries
            raise _Tampered(f"numbered {entry['n']} but listed at position {position}")
        if entry["anchor_index"] is None:
            return replace(result, verdict=Verdict.pending, reason="not anchored yet")
        _check_anchored(entry, anchors, chain)
    except _Tampered as e:
        return replace(result, verdict=Verdict.tampered, reason=str(e))
    return result


def _event_type(record: dict[str, Any] | None) -> str:
    if record is None:
        return "redacted"
    if is_declaration(record):  # it repeats the declared event's bizStep
        return "error_declaration"
    event = record.get("event")
    step = event.get("bizStep") if isinstance(event, dict) else None
    return step if isinstance(step, str) else "?"


def _check_content(batch: dict[str, Any], entry: Entry) -> None:
    """The record hashes to its digest and names its own place: its ``n`` and its batch."""
    record = entry["record"]
    try:
        recomputed = digest_to_hex(record_digest(record))
    except ValueError as e:  # unknown version, or a value JCS cannot encode
        raise _Tampered(f"cannot hash record: {e}") from e
    if recomputed != entry["digest"]:
        raise _Tampered("content does not match its digest")
    if record.get("n") != entry["n"]:
        raise _Tampered(f"record says n={record.get('n')!r}, listed as n={entry['n']}")
    if record.get("batch") != {"gtin": batch["gtin"], "lot": batch["lot"]}:
        raise _Tampered(f"record belongs to batch {record.get('batch')!r}")


def _check_anchored(entry: Entry, anchors: dict[int, dict[str, Any]], chain: _Chain) -> None:
    """The digest is a leaf of the listed root, and the contract holds that root."""
    index: int = entry["anchor_index"]
    listed = anchors.get(index)
    if listed is None:
        raise _Tampered(f"anchor {index} is not listed in the bundle")
    root, digest = digest_from_hex(listed["root"]), digest_from_hex(entry["digest"])
    proof = [digest_from_hex(node) for node in entry["proof"]]
    if not verify_proof(root, digest, proof):
        raise _Tampered(f"proof does not lead to the root of anchor {index}")
    _check_on_chain(chain, index, root, listed["leaf_count"])
    if not chain.view.verify(root, digest, proof):
        raise _Tampered(f"contract rejects the proof against anchor {index}")


def _check_on_chain(chain: _Chain, index: int, root: bytes, leaf_count: int) -> None:
    on_chain = chain.anchor_at(index)
    if on_chain is None:
        raise _Tampered(f"anchor {index} does not exist on chain")
    if on_chain.root != root:
        raise _Tampered(f"root of anchor {index} differs from the one on chain")
    if on_chain.leaf_count != leaf_count:
        raise _Tampered(
            f"anchor {index} has {on_chain.leaf_count} leaves on chain, bundle says {leaf_count}"
        )
