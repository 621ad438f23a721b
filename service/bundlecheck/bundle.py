"""Check a proof bundle against the chain, trusting nothing the operator says.

Digests are recomputed from the records' content, proofs are checked here and again by the
contract, roots and leaf counts are compared with contract storage. A stated digest is only
used where content was redacted, and then only because the chain proves it.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from service.hashing import digest_from_hex, digest_to_hex, record_digest
from service.ledger.interface import LedgerRejected, LedgerUnavailable, OnChainAnchor
from service.ledger.reader import ContractReader
from service.merkle import verify_proof

BUNDLE_FORMAT = "lotproof-bundle/1"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class BundleError(ValueError):
    """The file is not a well-formed bundle (bad JSON, truncated, wrong format, bad fields)."""


class ChainView(Protocol):
    """The three reads the verifier needs from a TraceAnchor (ContractReader, or a fake)."""

    def chain_id(self) -> int: ...

    def anchor_at(self, index: int) -> OnChainAnchor | None: ...

    def verify(self, root: bytes, digest: bytes, proof: list[bytes]) -> bool: ...


class Verdict(StrEnum):
    verified = "verified"
    pending = "pending"
    tampered = "tampered"
    redacted = "redacted"


class Outcome(StrEnum):
    authentic = "authentic"  # every record verified or redacted
    pending = "pending"  # some not anchored yet, none tampered
    tampered = "tampered"  # a record or the batch chain fails a check
    invalid = "invalid"  # not a well-formed bundle
    refused = "refused"  # bundle is for another chain than the RPC serves
    unreachable = "unreachable"  # the chain did not answer


# Every other outcome (tampered, invalid, refused) exits 1.
_EXIT_CODES = {Outcome.authentic: 0, Outcome.pending: 2, Outcome.unreachable: 3}


@dataclass(frozen=True)
class RecordResult:
    n: int
    type: str  # the event's bizStep, or "redacted"
    digest: str  # shortened, for display
    anchor_index: int | None
    verdict: Verdict
    reason: str = ""


@dataclass(frozen=True)
class BundleReport:
    outcome: Outcome
    results: tuple[RecordResult, ...] = ()
    problems: tuple[str, ...] = ()  # batch-level findings (counts, missing positions)
    message: str = ""  # why the bundle was refused / not checked

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES.get(self.outcome, 1)


def load_bundle(text: str) -> dict[str, Any]:
    """Parse and shape-check a bundle; anything malformed raises BundleError."""
    try:
        bundle = json.loads(text)
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
    # No chain named means nothing is anchored yet (check_shape): no chain call is needed.
    served = bundle["chain_id"] if bundle["chain_id"] is None else chain.chain_id()
    if served != bundle["chain_id"]:
        return BundleReport(
            Outcome.refused,
            message=f"bundle is for chain id {bundle['chain_id']}, "
            f"but the RPC endpoint serves chain id {served}",
        )
    entries: list[dict[str, Any]] = bundle["records"]
    anchors = {a["index"]: a for a in bundle["anchors"]}
    cached = _Chain(chain)
    results = tuple(
        _verify_entry(bundle, i, entries[i - 1] if i else None, anchors, cached)
        for i in range(len(entries))
    )
    stated = bundle["batch"]["record_count"]
    problems = (
        ()
        if stated == len(entries)
        else (f"batch has {stated} records, bundle lists {len(entries)}",)
    )
    return BundleReport(_outcome(results, problems), results=results, problems=problems)


def _outcome(results: Sequence[RecordResult], problems: Sequence[str]) -> Outcome:
    verdicts = {r.verdict for r in results}
    if problems or Verdict.tampered in verdicts:
        return Outcome.tampered
    return Outcome.pending if Verdict.pending in verdicts else Outcome.authentic


def _verify_entry(
    bundle: dict[str, Any],
    position: int,
    previous: dict[str, Any] | None,
    anchors: dict[int, dict[str, Any]],
    chain: _Chain,
) -> RecordResult:
    entry = bundle["records"][position]
    record = entry["record"]
    result = RecordResult(
        n=entry["n"],
        type=_event_type(record),
        digest=entry["digest"][:10] + "...",
        anchor_index=entry["anchor_index"],
        verdict=Verdict.redacted if entry["redacted"] else Verdict.verified,
    )
    try:
        if record is not None:
            _check_content(bundle, entry, previous)
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
    event = record.get("event")
    step = event.get("bizStep") if isinstance(event, dict) else None
    return step if isinstance(step, str) else "?"


def _check_content(
    bundle: dict[str, Any], entry: dict[str, Any], previous: dict[str, Any] | None
) -> None:
    """The record hashes to its digest and sits in its place in the batch chain."""
    record = entry["record"]
    try:
        recomputed = digest_to_hex(record_digest(record))
    except ValueError as e:  # unknown version, or a value JCS cannot encode
        raise _Tampered(f"cannot hash record: {e}") from e
    if recomputed != entry["digest"]:
        raise _Tampered("content does not match its digest")
    if record.get("n") != entry["n"]:
        raise _Tampered(f"record says n={record.get('n')!r}, listed as n={entry['n']}")
    batch = bundle["batch"]
    if record.get("batch") != {"gtin": batch["gtin"], "lot": batch["lot"]}:
        raise _Tampered(f"record belongs to batch {record.get('batch')!r}")
    expected_prev = None if previous is None else previous["digest"]
    if record.get("prev") != expected_prev:
        raise _Tampered("prev does not match the previous record's digest (chain broken)")


def _check_anchored(
    entry: dict[str, Any], anchors: dict[int, dict[str, Any]], chain: _Chain
) -> None:
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


_COLUMNS = ("n", "type", "digest", "anchor", "verdict", "reason")


def format_report(report: BundleReport) -> str:
    """A plain-text table, one row per record, then batch problems and a one-line summary."""
    rows: list[tuple[str, ...]] = [
        (str(r.n), r.type, r.digest, _anchor_cell(r.anchor_index), r.verdict.value, r.reason)
        for r in report.results
    ]
    lines = _table(rows) if rows else []
    lines += [f"problem: {p}" for p in report.problems]
    lines.append(_summary(report))
    return "\n".join(lines)


def _anchor_cell(index: int | None) -> str:
    return "-" if index is None else str(index)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[c]) for row in [_COLUMNS, *rows]) for c in range(len(_COLUMNS))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

    return [line(_COLUMNS), line(tuple("-" * w for w in widths)), *map(line, rows)]


def _summary(report: BundleReport) -> str:
    head = report.outcome.value.upper()
    if report.message:
        return f"{head}: {report.message}"
    counts = {v: sum(r.verdict is v for r in report.results) for v in Verdict}
    detail = ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v])
    return f"{head}: {len(report.results)} records ({detail or 'none'})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify_bundle", description="Verify a Lotproof bundle against the chain."
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--rpc", required=True, metavar="URL", help="JSON-RPC endpoint")
    parser.add_argument(
        "--contract", metavar="ADDRESS", help="refuse bundles that name another contract"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="RPC timeout in seconds")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``verify_bundle FILE --rpc URL``: print the report to stdout, return the exit code."""
    args = _parser().parse_args(argv)
    try:
        bundle = load_bundle(args.file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        print(f"cannot read {args.file}: {e}")
        return 1
    except BundleError as e:
        print(f"invalid bundle {args.file}: {e}")
        return 1
    if args.contract and args.contract.lower() != (bundle["contract"] or "").lower():
        # The operator chooses the contract named in the bundle; an inspector who knows the
        # real deployment pins it here so a private look-alike contract cannot vouch for data.
        print(f"REFUSED: bundle names contract {bundle['contract']}, expected {args.contract}")
        return 1
    chain: ChainView = _NoChain()
    if bundle["contract"] is not None:
        chain = ContractReader(rpc_url=args.rpc, address=bundle["contract"], timeout=args.timeout)
    report = verify_bundle(bundle, chain)
    print(_header(bundle, args.rpc))
    print(format_report(report))
    return report.exit_code


class _NoChain:
    """For a bundle from before the first anchor, which verify_bundle never asks a chain about."""

    def __getattr__(self, name: str) -> Any:
        raise LedgerRejected("the bundle names no chain")


def _header(bundle: dict[str, Any], rpc: str) -> str:
    batch, where = bundle["batch"], f"contract {bundle['contract']} on chain {bundle['chain_id']}"
    return f"batch {batch['gtin']} / {batch['lot']}, {where}, via {rpc}\n"
