"""Anchor transparency: every anchor on the chain must match what the service publishes.

For each on-chain anchor the published leaf list must hash to the on-chain root with the
on-chain leaf count, every leaf must be the digest of a stored record, and no stored record
may claim an anchor whose leaves do not include it. Digests are recomputed from content.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.anchoring.repository import PUBLIC, AnchorRepository
from service.db.models import Anchor, MonitorRun, Record
from service.hashing import digest_to_hex, record_digest
from service.ledger import OnChainAnchor
from service.merkle import build_tree


class AnchorSource(Protocol):
    def anchor_count(self) -> int: ...

    def anchor_at(self, index: int) -> OnChainAnchor | None: ...


@dataclass
class MonitorReport:
    anchors_checked: int = 0
    discrepancies: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.discrepancies


def run_monitor(session: Session, chain: AnchorSource) -> MonitorReport:
    """Compare the chain's anchors with the stored ones; store and return the result."""
    report = MonitorReport()
    repo = AnchorRepository(session)
    deployment = repo.get_active_deployment()
    if deployment is None:
        report.discrepancies.append("no active deployment: nothing is anchored yet")
        return _store(session, report)
    count = chain.anchor_count()
    for index in range(count):
        on_chain = chain.anchor_at(index)
        published = repo.get_public_anchor(deployment.id, index)
        report.anchors_checked += 1
        if on_chain is None or published is None:
            report.discrepancies.append(f"anchor {index}: on the chain but no published leaf list")
            continue
        report.discrepancies += _check_anchor(
            index, on_chain, published, _claimants(session, published)
        )
    stored = session.scalars(
        select(Anchor.chain_index).where(
            Anchor.deployment_id == deployment.id, Anchor.status.in_(PUBLIC)
        )
    ).all()
    report.discrepancies += [
        f"anchor {i}: published by the service but not on the chain"
        for i in stored
        if i is not None and i >= count
    ]
    return _store(session, report)


def _claimants(session: Session, anchor: Anchor) -> Sequence[Record]:
    return AnchorRepository(session).list_records_of_anchor(anchor.id)


def _digest_of(record: Record) -> str:
    if record.content is None:  # redacted: the anchored digest is all there is
        return digest_to_hex(record.digest)
    try:
        return digest_to_hex(record_digest(json.loads(record.content)))
    except (ValueError, TypeError):
        return "unreadable"


def _check_anchor(
    index: int, on_chain: OnChainAnchor, published: Anchor, claimants: Sequence[Record]
) -> list[str]:
    problems: list[str] = []
    leaves = list(published.leaves)
    try:
        root = build_tree([bytes.fromhex(leaf[2:]) for leaf in leaves]).root if leaves else b""
    except ValueError:
        root = b""
    if root != on_chain.root:
        problems.append(f"anchor {index}: published leaves do not hash to the on-chain root")
    if len(leaves) != on_chain.leaf_count or published.leaf_count != on_chain.leaf_count:
        problems.append(
            f"anchor {index}: {len(leaves)} leaves published, {on_chain.leaf_count} on chain"
        )
    digests = {_digest_of(r): r for r in claimants}
    for leaf in leaves:
        if leaf not in digests:
            problems.append(f"anchor {index}: leaf {leaf[:18]}… belongs to no stored record")
    for digest, record in digests.items():
        if digest not in leaves:
            problems.append(
                f"anchor {index}: record {record.id} (batch {record.batch_id}, n={record.n}) "
                "claims this anchor but is not among its leaves"
            )
    return problems


def _store(session: Session, report: MonitorReport) -> MonitorReport:
    session.add(
        MonitorRun(anchors_checked=report.anchors_checked, discrepancies=report.discrepancies)
    )
    session.flush()
    return report


def latest_run(session: Session) -> MonitorRun | None:
    return session.scalars(select(MonitorRun).order_by(MonitorRun.id.desc()).limit(1)).first()
