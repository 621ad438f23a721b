"""Recalls: flag batches and everything made from them, and anchor the recall in each history.

A batch is *recalled* (``Batch.recalled_at``) while at least one recall that reached it is in
force: open, or closed as ``completed`` (the action is over, but a unit still on a shelf or in
a kitchen is still recalled). A recall closed as ``lifted`` no longer recalls anything; when
no other recall is in force, the batch is no longer recalled. ``refresh_flag`` is that rule.
Updates and closings: ``service.recalls.changes``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service import notifications
from service.custody.schemas import CustodyPeriod
from service.custody.service import custody_chain
from service.db.base import utcnow
from service.db.models import Batch, Organization, OrgRole, Recall, RecallBatch
from service.db.models.recalls import RecallOutcome, RecallStatus
from service.documents.csv_writer import Cell, write_csv
from service.errors import Forbidden, InvalidInput, NotFound
from service.orgs.repository import OrgRepository
from service.recalls.repository import RecallRepository
from service.recalls.schemas import (
    PublicRecall,
    RecallCreate,
    RecalledBatch,
    RecallRead,
    UpstreamLot,
)
from service.records.epcis import LotQuantity, recall_event
from service.records.writer import NewRecord, append_record, lock_batches
from service.transformations.schemas import TraceDirection
from service.transformations.service import trace

EVENT_TYPE = "recall"
# Links only point to newer batches, so the graph is acyclic and finite; "any depth" is this.
UNLIMITED_DEPTH = 2**31
_MAY_RECALL_ANY = {OrgRole.inspector, OrgRole.admin}
CSV_COLUMNS = [
    "recall_id",
    "severity",
    "gtin",
    "lot",
    "product_name",
    "quantity",
    "unit",
    "produced_at",
    "direct",
    "via",
    "custodian_slug",
    "custodian_name",
    "from",
    "until",
    "location",
]
CSV_NUMERIC = frozenset({"recall_id", "quantity"})


def create_recall(session: Session, org: Organization, data: RecallCreate) -> Recall:
    """Recall the batches and, transitively, every batch made from them; checks come first,
    so a refused recall writes nothing."""
    reach = _reach(session, org, data.batch_ids)
    batches = lock_batches(session, reach)
    repo = RecallRepository(session)
    recall = Recall(
        severity=data.severity.value,
        reason=data.reason,
        instructions=data.instructions,
        created_by_org_id=org.id,
        created_at=utcnow(),
    )
    repo.add(recall)
    entries = []
    for batch_id, via in reach.items():
        batch = batches[batch_id]
        event = recall_event(
            at=recall.created_at,
            lot=LotQuantity.whole(batch),
            recall_id=recall.id,
            severity=recall.severity,
            reason=recall.reason,
            instructions=recall.instructions,
            via=via,
        )
        record = append_record(session, batch, NewRecord(event, EVENT_TYPE, recall.created_at, org))
        entries.append(
            RecallBatch(
                recall_id=recall.id,
                batch_id=batch.id,
                direct=batch_id in data.batch_ids,
                via=via,
                record_id=record.id,
            )
        )
    repo.add_batches(entries)
    for batch in batches.values():
        refresh_flag(session, batch)
    notifications.recall_issued(session, recall.id, recall.severity, list(batches.values()))
    return recall


def _reach(session: Session, org: Organization, batch_ids: Sequence[int]) -> dict[int, list[int]]:
    """{affected batch id: via}, direct batches first in request order, then downstream ones
    by hop count. A batch reachable several ways keeps the first (shortest) path found."""
    found = lock_batches(session, batch_ids)
    reach: dict[int, list[int]] = {}
    for index, batch_id in enumerate(batch_ids):
        batch = found.get(batch_id)
        if batch is None:
            raise InvalidInput(f"no batch {batch_id}", field=f"batch_ids.{index}")
        if org.role not in _MAY_RECALL_ANY and batch.owner_org_id != org.id:
            raise Forbidden(
                f"only batch {batch_id}'s owner, an inspector or an admin may recall it"
            )
        reach[batch_id] = []
    for batch_id in batch_ids:
        for node_id, via in _downstream_paths(session, batch_id):
            reach.setdefault(node_id, via)
    return reach


def _downstream_paths(session: Session, root_id: int) -> list[tuple[int, list[int]]]:
    """Every batch made (at any depth) from ``root_id``, with the path that reached it; uses
    the transformations trace so there is one traversal of batch_links in the code base."""
    graph = trace(session, root_id, TraceDirection.downstream, UNLIMITED_DEPTH)
    levels = {node.id: node.level for node in graph.nodes}
    paths: dict[int, list[int]] = {root_id: []}
    for node in sorted(graph.nodes, key=lambda n: (n.level, n.id)):
        if node.id == root_id:
            continue
        # A parent one hop closer to the root has its path already (levels are processed in order).
        parent = next(
            e.from_
            for e in graph.edges
            if e.to == node.id and levels.get(e.from_) == node.level - 1
        )
        paths[node.id] = [*paths[parent], parent]
    return [(batch_id, via) for batch_id, via in paths.items() if batch_id != root_id]


def refresh_flag(session: Session, batch: Batch) -> None:
    """Set the batch's recall flag from the recalls in force on it (see the module's
    docstring): the date and words of the oldest one, which no later recall overwrites;
    each recall's own words are in ``public_recalls``."""
    oldest = RecallRepository(session).oldest_in_force(batch.id)
    if oldest is None:
        batch.recalled_at = batch.recall_reason = None
        return
    batch.recalled_at = oldest.created_at
    # The form clients of gs1:recallStatus have always read.
    batch.recall_reason = f"{oldest.reason} — {oldest.instructions}"


def in_force(recall: Recall) -> bool:
    return recall.status == RecallStatus.open or recall.outcome == RecallOutcome.completed


def public_recalls(session: Session, batch: Batch) -> list[PublicRecall]:
    """Every recall that reached the batch, newest first, as a shopper reads it."""
    repo = RecallRepository(session)
    rows = repo.list_for_batch(batch.id)
    lots = repo.lots_by_id([entry.via[0] for entry, _, _ in rows if entry.via])
    return [
        PublicRecall(
            id=recall.id,
            severity=recall.severity,
            opened_at=recall.created_at,
            issuer=issuer,
            reason=recall.reason,
            instructions=recall.instructions,
            status=recall.status,
            outcome=recall.outcome,
            close_reason=recall.close_reason,
            in_force=in_force(recall),
            updated_at=recall.updated_at or recall.created_at,
            direct=entry.direct,
            via=_upstream(lots, entry.via),
        )
        for entry, recall, issuer in rows
    ]


def _upstream(lots: dict[int, tuple[str, str, str]], via: list[int]) -> UpstreamLot | None:
    if not via or via[0] not in lots:
        return None
    gtin, lot, product_name = lots[via[0]]
    return UpstreamLot(gtin=gtin, lot=lot, product_name=product_name)


@dataclass(frozen=True)
class _Affected:
    entry: RecallBatch
    batch: Batch
    product_name: str
    record_n: int


def _load(session: Session, recall_id: int) -> tuple[Recall, list[_Affected]]:
    repo = RecallRepository(session)
    recall = repo.get_by_id(recall_id)
    if recall is None:
        raise NotFound(f"no recall {recall_id}")
    return recall, [_Affected(*row) for row in repo.list_batches(recall.id)]


def recall_read(session: Session, recall_id: int) -> RecallRead:
    recall, affected = _load(session, recall_id)
    creator = OrgRepository(session).get_by_id(recall.created_by_org_id)
    assert creator is not None
    return RecallRead(
        id=recall.id,
        reason=recall.reason,
        severity=recall.severity,
        instructions=recall.instructions,
        created_by=creator.slug,
        created_at=recall.created_at,
        status=recall.status,
        outcome=recall.outcome,
        close_reason=recall.close_reason,
        closed_at=recall.closed_at,
        updated_at=recall.updated_at,
        batches=[
            RecalledBatch(
                batch_id=a.batch.id,
                gtin=a.batch.gtin,
                lot=a.batch.lot,
                product_name=a.product_name,
                direct=a.entry.direct,
                via=a.entry.via,
                record_n=a.record_n,
                shipments=custody_chain(session, a.batch.id).handovers,
            )
            for a in affected
        ],
    )


def export_csv(session: Session, recall_id: int) -> str:
    """One row per affected batch and custodian period: who to call, about what, for when."""
    recall, affected = _load(session, recall_id)
    rows = [
        _csv_row(recall, a, period)
        for a in affected
        for period in custody_chain(session, a.batch.id).periods
    ]
    # Every other cell is text the writer neutralises (CSV injection), ids and dates included.
    return write_csv(CSV_COLUMNS, rows, numeric=CSV_NUMERIC)


def _csv_row(recall: Recall, a: _Affected, period: CustodyPeriod) -> dict[str, Cell]:
    return {
        "recall_id": recall.id,
        "severity": recall.severity,
        "gtin": a.batch.gtin,
        "lot": a.batch.lot,
        "product_name": a.product_name,
        "quantity": a.batch.quantity,
        "unit": a.batch.uom,
        "produced_at": _iso(a.batch.produced_at),
        "direct": "yes" if a.entry.direct else "no",
        "via": " > ".join(str(i) for i in a.entry.via),
        "custodian_slug": period.custodian.slug,
        "custodian_name": period.custodian.name,
        "from": _iso(period.since),
        "until": _iso(period.until),
        "location": period.location,
    }


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""
