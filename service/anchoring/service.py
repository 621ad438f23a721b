from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from service.anchoring.repository import AnchorRepository
from service.anchoring.schemas import AnchoringStatus, AnchorPage, AnchorRead
from service.db.models import Anchor, AnchorStatus, Deployment
from service.errors import NotFound
from service.hashing import digest_to_hex


def _anchor_read(anchor: Anchor, deployment: Deployment) -> AnchorRead:
    assert anchor.chain_index is not None
    return AnchorRead(
        index=anchor.chain_index,
        root=digest_to_hex(anchor.root),
        leaf_count=anchor.leaf_count,
        leaves=list(anchor.leaves),
        tx_hash=anchor.tx_hash,
        block_number=anchor.block_number,
        timestamp=anchor.block_timestamp,
        final=anchor.status == AnchorStatus.final,
        contract_address=deployment.address,
        chain_id=deployment.chain_id,
    )


def list_anchors(session: Session, *, cursor: int | None, limit: int) -> AnchorPage:
    repo = AnchorRepository(session)
    deployment = repo.get_active_deployment()
    if deployment is None:
        return AnchorPage(items=[], next_cursor=None)
    rows = repo.list_public_anchors(deployment.id, after=cursor, limit=limit + 1)
    items = [_anchor_read(a, deployment) for a in rows[:limit]]
    next_cursor = items[-1].index if len(rows) > limit else None
    return AnchorPage(items=items, next_cursor=next_cursor)


def get_anchor(session: Session, index: int) -> AnchorRead:
    repo = AnchorRepository(session)
    deployment = repo.get_active_deployment()
    anchor = repo.get_public_anchor(deployment.id, index) if deployment else None
    if anchor is None or deployment is None:
        raise NotFound(f"no anchor {index}")
    return _anchor_read(anchor, deployment)


def anchoring_status(session: Session, stalled_after: float) -> AnchoringStatus:
    repo = AnchorRepository(session)
    oldest = repo.oldest_pending_record_time()
    age = None if oldest is None else max((datetime.now(UTC) - oldest).total_seconds(), 0.0)
    return AnchoringStatus(
        state="stalled" if age is not None and age > stalled_after else "ok",
        pending_records=repo.count_pending_records() if oldest is not None else 0,
        oldest_pending_age_s=None if age is None else round(age, 1),
    )
