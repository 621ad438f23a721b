"""Queries for deployments, anchors and the records they commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.db.base import padded_in_list
from service.db.models import Anchor, AnchorStatus, Deployment, Record, RecordStatus

# Anchors whose transaction may or may not have landed: reconcile them before sending more.
IN_FLIGHT = (AnchorStatus.sent, AnchorStatus.anchored)
PUBLIC = (AnchorStatus.anchored, AnchorStatus.final)


class AnchorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_active_deployment(self) -> Deployment | None:
        query = select(Deployment).where(Deployment.active.is_(True)).order_by(Deployment.id.desc())
        return self.session.scalars(query).first()

    def add(self, row: Deployment | Anchor) -> None:
        self.session.add(row)
        self.session.flush()

    def list_in_flight(self, deployment_id: int) -> Sequence[Anchor]:
        query = (
            select(Anchor)
            .where(Anchor.deployment_id == deployment_id, Anchor.status.in_(IN_FLIGHT))
            .order_by(Anchor.id)
        )
        return self.session.scalars(query).all()

    def get_by_root(self, deployment_id: int, root: bytes) -> Anchor | None:
        query = select(Anchor).where(Anchor.deployment_id == deployment_id, Anchor.root == root)
        return self.session.scalars(query).first()

    def get_latest_final_anchor(self, deployment_id: int) -> Anchor | None:
        query = (
            select(Anchor)
            .where(Anchor.deployment_id == deployment_id, Anchor.status == AnchorStatus.final)
            .order_by(Anchor.chain_index.desc())
        )
        return self.session.scalars(query).first()

    def list_final_roots(self, deployment_id: int) -> list[tuple[int, bytes]]:
        query = (
            select(Anchor.chain_index, Anchor.root)
            .where(Anchor.deployment_id == deployment_id, Anchor.status == AnchorStatus.final)
            .order_by(Anchor.chain_index)
        )
        return [(index, root) for index, root in self.session.execute(query) if index is not None]

    def list_dropped_anchor_ids(self, deployment_id: int, from_index: int) -> list[int]:
        """Our public anchors from ``from_index`` on: the ones a reorg took off the chain."""
        query = select(Anchor.id).where(
            Anchor.deployment_id == deployment_id,
            Anchor.status.in_(PUBLIC),
            Anchor.chain_index >= from_index,
        )
        return list(self.session.scalars(query))

    def put_back_in_flight(self, anchor_ids: Sequence[int]) -> None:
        """These anchors left the chain: sent-but-not-landed again, their records pending
        (still claimed, so that the same root is sent again)."""
        self.session.execute(
            update(Record)
            .where(Record.anchor_id.in_(anchor_ids))
            .values(proof=None, status=RecordStatus.pending)
        )
        self.session.execute(
            update(Anchor)
            .where(Anchor.id.in_(anchor_ids))
            .values(
                status=AnchorStatus.sent, chain_index=None, block_number=None, block_timestamp=None
            )
        )

    def list_pending_digests(self, limit: int) -> list[tuple[int, bytes]]:
        """(id, digest) of the oldest unclaimed records: the leaves, without loading content."""
        query = (
            select(Record.id, Record.digest)
            .where(Record.status == RecordStatus.pending, Record.anchor_id.is_(None))
            .order_by(Record.id)
            .limit(limit)
        )
        return [(record_id, digest) for record_id, digest in self.session.execute(query)]

    def list_records_of_anchor(self, anchor_id: int) -> Sequence[Record]:
        query = select(Record).where(Record.anchor_id == anchor_id).order_by(Record.id)
        return self.session.scalars(query).all()

    def list_digests_of_anchor(self, anchor_id: int) -> list[tuple[int, bytes]]:
        query = (
            select(Record.id, Record.digest)
            .where(Record.anchor_id == anchor_id)
            .order_by(Record.id)
        )
        return [(record_id, digest) for record_id, digest in self.session.execute(query)]

    def mark_anchored(self, proofs: Mapping[int, list[str]]) -> None:
        """Store each record's proof and mark it anchored: one executemany by primary key."""
        if proofs:
            self.session.execute(
                update(Record),
                [
                    {"id": record_id, "proof": proof, "status": RecordStatus.anchored}
                    for record_id, proof in proofs.items()
                ],
            )

    def claim_records(self, anchor_id: int, record_ids: Sequence[int]) -> int:
        result = self.session.execute(
            update(Record)
            .where(Record.id.in_(padded_in_list(record_ids)), Record.anchor_id.is_(None))
            .values(anchor_id=anchor_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def release_records(self, anchor_id: int) -> None:
        self.session.execute(
            update(Record)
            .where(Record.anchor_id == anchor_id)
            .values(anchor_id=None, proof=None, status=RecordStatus.pending)
        )

    def oldest_pending_record_time(self) -> datetime | None:
        query = (
            select(Record.recorded_at)
            .where(Record.status == RecordStatus.pending)
            .order_by(Record.id)
            .limit(1)
        )
        return self.session.scalar(query)

    def count_pending_records(self) -> int:
        query = (
            select(func.count()).select_from(Record).where(Record.status == RecordStatus.pending)
        )
        return int(self.session.scalar(query) or 0)

    def list_public_anchors(
        self, deployment_id: int, *, after: int | None, limit: int
    ) -> Sequence[Anchor]:
        query = select(Anchor).where(
            Anchor.deployment_id == deployment_id, Anchor.status.in_(PUBLIC)
        )
        if after is not None:
            query = query.where(Anchor.chain_index > after)
        return self.session.scalars(query.order_by(Anchor.chain_index).limit(limit)).all()

    def get_public_anchor(self, deployment_id: int, chain_index: int) -> Anchor | None:
        query = select(Anchor).where(
            Anchor.deployment_id == deployment_id,
            Anchor.chain_index == chain_index,
            Anchor.status.in_(PUBLIC),
        )
        return self.session.scalars(query).first()

    def get_by_ids(self, anchor_ids: Sequence[int]) -> dict[int, Anchor]:
        rows = self.session.scalars(select(Anchor).where(Anchor.id.in_(anchor_ids))).all()
        return {row.id: row for row in rows}

    def supersede_deployment(self, deployment_id: int) -> None:
        """Retire a deployment: its anchors become history, its records pending again."""
        self.session.execute(
            update(Deployment).where(Deployment.id == deployment_id).values(active=False)
        )
        anchor_ids = select(Anchor.id).where(Anchor.deployment_id == deployment_id)
        self.session.execute(
            update(Record)
            .where(Record.anchor_id.in_(anchor_ids))
            .values(anchor_id=None, proof=None, status=RecordStatus.pending)
        )
        self.session.execute(
            update(Anchor)
            .where(Anchor.deployment_id == deployment_id)
            .values(status=AnchorStatus.superseded)
        )
