"""What the quality workflows announce to webhook subscribers (service.webhooks delivers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.db.models import Batch
from service.webhooks.service import enqueue


def _batch(batch: Batch) -> dict[str, object]:
    return {"batch_id": batch.id, "gtin": batch.gtin, "lot": batch.lot}


def batch_on_hold(session: Session, batch: Batch) -> None:
    payload = _batch(batch) | {"reason": batch.hold_reason}
    enqueue(session, "batch.on_hold", payload, org_ids=[batch.owner_org_id])


def batch_released(session: Session, batch: Batch) -> None:
    enqueue(session, "batch.released", _batch(batch), org_ids=[batch.owner_org_id])


def complaint_received(session: Session, batch: Batch, code: str, category: str) -> None:
    payload = _batch(batch) | {"code": code, "category": category}
    enqueue(session, "complaint.received", payload, org_ids=[batch.owner_org_id])


def recall_issued(session: Session, recall_id: int, severity: str, batches: list[Batch]) -> None:
    # A recall is public knowledge: every subscriber to recall.issued hears of it.
    payload = {
        "recall_id": recall_id,
        "severity": severity,
        "batches": [_batch(b) for b in batches],
    }
    enqueue(session, "recall.issued", payload)
