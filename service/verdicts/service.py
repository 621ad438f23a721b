"""Verdicts (docs/design.md §7). Digests are recomputed from stored content on every call.

No chain call here (requests never talk to the chain): an anchor counts only once the worker
has read its root back from contract storage with enough confirmations (status ``final``),
which is the cache of on-chain roots that docs/design.md §7 allows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.anchoring.repository import AnchorRepository
from service.db.models import Anchor, AnchorStatus, Batch, Organization, Record
from service.hashing import digest_from_hex, digest_to_hex, record_digest
from service.hashing.v1 import digest_of_canonical
from service.records.repository import RecordRepository
from service.verdicts.actors import actor_kind
from service.verdicts.corrections import attach_corrections
from service.verdicts.memo import ProofMemo
from service.verdicts.schemas import (
    AnchorRef,
    BatchVerdict,
    BatchVerification,
    RecordVerdict,
    RecordVerification,
)
from service.verdicts.signatures import attach_signatures


def verify_batch(session: Session, batch: Batch) -> BatchVerification:
    """A batch's history: format v1 records naming the batch."""
    records = RecordRepository(session).list_by_batch(batch.id)
    subject = _Subject("batch", {"gtin": batch.gtin, "lot": batch.lot}, "batch")
    return _verify_history(session, subject, records)


def verify_org(session: Session, org: Organization) -> BatchVerification:
    """An organisation's own history: format v2 records naming it as their subject."""
    records = RecordRepository(session).list_by_org(org.id)
    return _verify_history(session, _Subject("subject", {"org": org.slug}, "organisation"), records)


@dataclass(frozen=True)
class _Subject:
    """Whose history is checked: every record must carry ``{key: value}``."""

    key: str
    value: dict[str, Any]
    noun: str


def _verify_history(
    session: Session, subject: _Subject, records: Sequence[Record]
) -> BatchVerification:
    if not records:  # most organisations have no history of their own: no more queries
        return BatchVerification(verdict=batch_verdict([]), records=[], chain_problems=[])
    anchor_ids = list({r.anchor_id for r in records if r.anchor_id is not None})
    anchors = AnchorRepository(session).get_by_ids(anchor_ids)
    results, chain_problems = _verify_chain(subject, records, anchors)
    attach_signatures(session, records, results)
    attach_corrections(records, results)
    return BatchVerification(
        verdict=batch_verdict(results), records=results, chain_problems=chain_problems
    )


def batch_verdict(results: Sequence[RecordVerification]) -> BatchVerdict:
    verdicts = {r.verdict for r in results}
    if RecordVerdict.tampered in verdicts:
        return BatchVerdict.tampered
    if RecordVerdict.pending in verdicts or not results:
        return BatchVerdict.pending
    return BatchVerdict.authentic  # verified and redacted records only


def _verify_chain(
    subject: _Subject, records: Sequence[Record], anchors: dict[int, Anchor]
) -> tuple[list[RecordVerification], list[str]]:
    results: list[RecordVerification] = []
    chain_problems: list[str] = []
    prev: bytes | None = None
    prev_tampered = False
    for expected_n, record in enumerate(records):
        content, digest, problem = _recompute(record)
        if problem is None:
            problem = _chain_problem(subject, content, expected_n, record.n, prev, prev_tampered)
            if problem is not None:
                chain_problems.append(f"n={record.n}: {problem}")
        anchor = anchors.get(record.anchor_id) if record.anchor_id is not None else None
        verdict, reason = _anchor_verdict(record, digest, anchor, problem)
        results.append(_result(record, content, digest, verdict, reason, anchor))
        prev, prev_tampered = digest, verdict == RecordVerdict.tampered
    return results, chain_problems


def _recompute(record: Record) -> tuple[dict[str, Any], bytes, str | None]:
    if record.content is None:
        # Redacted: nothing left to re-hash, so the stored digest has to stand in. It is still
        # held to its Merkle proof and to the next record's `prev`.
        return {}, record.digest, None
    try:
        content = json.loads(record.content)
    except (ValueError, TypeError) as e:
        return {}, record.digest, f"stored record is unreadable: {e}"
    if digest_of_canonical(record.content.encode()) == record.digest:
        # The stored text hashes to the stored digest, so it is exactly the canonical form that
        # was hashed (RFC 8785 output is its own canonical form): re-canonicalising would give
        # the same digest. Any other text takes the full recomputation below.
        return content, record.digest, None
    try:
        return content, record_digest(content), None
    except (ValueError, TypeError) as e:
        return {}, record.digest, f"stored record is unreadable: {e}"


def _chain_problem(
    subject: _Subject,
    content: dict[str, Any],
    expected_n: int,
    n: int,
    prev: bytes | None,
    prev_tampered: bool,
) -> str | None:
    if not content:  # redacted: only its position can be checked here
        return None if n == expected_n else f"record numbering broken at n={expected_n}"
    if n != expected_n or content.get("n") != n:
        return f"record numbering broken at n={expected_n} (a record is missing or moved)"
    if content.get(subject.key) != subject.value:
        return f"record names a different {subject.noun}"
    # After an altered record its successor's link cannot match; the successor is judged on
    # its own proof, so only the altered record is reported.
    expected_prev = None if prev is None else digest_to_hex(prev)
    if not prev_tampered and content.get("prev") != expected_prev:
        return "link to the previous record is broken"
    return None


def _anchor_verdict(
    record: Record, digest: bytes, anchor: Anchor | None, problem: str | None
) -> tuple[RecordVerdict, str | None]:
    if problem is not None:
        return RecordVerdict.tampered, problem
    if anchor is None or anchor.status != AnchorStatus.final or record.proof is None:
        return RecordVerdict.pending, "not anchored yet"
    try:
        proof = tuple(digest_from_hex(p) for p in record.proof)
    except ValueError:
        return RecordVerdict.tampered, "stored proof is malformed"
    if not _proof_holds(anchor.root, digest, proof):
        return RecordVerdict.tampered, "record does not match the anchored Merkle root"
    if record.content is None:
        return RecordVerdict.redacted, record.redaction_reason or "content erased"
    return RecordVerdict.verified, None


_PROOFS = ProofMemo()


def _proof_holds(root: bytes, digest: bytes, proof: tuple[bytes, ...]) -> bool:
    """``verify_proof``, remembered (``service.verdicts.memo``)."""
    return _PROOFS.holds(root, digest, proof)


def _result(
    record: Record,
    content: dict[str, Any],
    digest: bytes,
    verdict: RecordVerdict,
    reason: str | None,
    anchor: Anchor | None,
) -> RecordVerification:
    event = content.get("event", {}) if isinstance(content.get("event"), dict) else {}
    anchored = anchor is not None and anchor.chain_index is not None
    return RecordVerification(
        n=record.n,
        type=record.event_type,
        event_time=record.event_time,
        location=event.get("lp:location"),
        actor=content.get("actor"),
        actor_kind=actor_kind(content.get("actor"), record.event_type, event),
        time_zone_offset=event.get("eventTimeZoneOffset"),
        details=event.get("lp:details") if isinstance(event.get("lp:details"), dict) else None,
        inspection_result=_inspection_result(event),
        digest=digest_to_hex(digest),
        verdict=verdict,
        reason=reason,
        anchor=_anchor_ref(anchor) if anchored and anchor is not None else None,
        proof=list(record.proof or []) if anchored else [],
        event=event or None,
    )


def _anchor_ref(anchor: Anchor) -> AnchorRef:
    assert anchor.chain_index is not None
    return AnchorRef(
        index=anchor.chain_index,
        root=digest_to_hex(anchor.root),
        tx_hash=anchor.tx_hash,
        block_number=anchor.block_number,
        timestamp=anchor.block_timestamp,
    )


def _inspection_result(event: dict[str, Any]) -> str | None:
    computed = event.get("lp:inspection")
    if isinstance(computed, dict) and computed.get("decision") in ("accept", "reject"):
        return "pass" if computed["decision"] == "accept" else "fail"
    details = event.get("lp:details")
    result = details.get("result") if isinstance(details, dict) else None
    return result if result in ("pass", "fail") else None
