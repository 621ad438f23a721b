"""Transformations: a new batch made from input batches, recorded on both sides.

Each side's record is chained in its own history (docs/design.md §2.5).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.batches.service import batch_read, create_batch, get_batch
from service.custody.rules import custodian_id
from service.db.models import Batch, BatchLink, Organization, Record
from service.errors import Conflict, Forbidden, InvalidInput
from service.hashing import digest_to_hex
from service.records.epcis import LotQuantity, transformation_event
from service.records.evidence import EVENT_EVIDENCE, checked_evidence
from service.records.window import EventTimeWindow
from service.records.writer import NewRecord, append_record, lock_batches
from service.transformations.repository import TransformationRepository
from service.transformations.schemas import (
    RecordRef,
    TraceDirection,
    TraceEdge,
    TraceGraph,
    TraceNode,
    TransformationCreate,
    TransformationRead,
)

EVENT_TYPE = "transformation"


@dataclass(frozen=True)
class Transformation:
    transformation_id: str
    output: Batch
    records: list[Record]  # the output's first, then the inputs' in request order


def transform(
    session: Session, org: Organization, data: TransformationCreate, window: EventTimeWindow
) -> Transformation:
    """Make the output batch from the inputs; every check passes before anything is written."""
    inputs = _checked_inputs(session, org, data)
    window.check(data.event_time)
    # The event goes into the output's history and each input's: it may not predate any of them.
    for batch in inputs:
        window.check_after_production(data.event_time, batch.produced_at, batch.lot)
    if "evidence" in data.details:
        checked_evidence(session, data.details["evidence"], EVENT_EVIDENCE)
    output = create_batch(session, org, data.output, window, field_prefix="output.")
    # After create_batch has judged output.produced_at itself; a refusal rolls the batch back.
    window.check_after_production(data.event_time, output.produced_at, output.lot)
    transformation_id = f"urn:uuid:{uuid.uuid4()}"
    event = transformation_event(
        transformation_id=transformation_id,
        event_time=data.event_time,
        inputs=[
            LotQuantity(batch.gtin, batch.lot, item.quantity, batch.uom)
            for batch, item in zip(inputs, data.inputs, strict=True)
        ],
        output=LotQuantity.whole(output),
        location=data.location,
        details=data.details,
    )

    new = NewRecord(event, EVENT_TYPE, data.event_time, org)

    # The same event goes into every history it touches, chained in each, so a shopper
    # scanning the output and an inspector auditing an input both see it anchored.
    records = [append_record(session, batch, new) for batch in [output, *inputs]]
    TransformationRepository(session).add_links(
        [
            BatchLink(
                transformation_id=transformation_id,
                input_batch_id=batch.id,
                output_batch_id=output.id,
                quantity=item.quantity,
                uom=batch.uom,
            )
            for batch, item in zip(inputs, data.inputs, strict=True)
        ]
    )
    return Transformation(transformation_id, output, records)


def _checked_inputs(session: Session, org: Organization, data: TransformationCreate) -> list[Batch]:
    """The input batches in request order, or the first reason the caller may not use them."""
    found = lock_batches(session, [i.batch_id for i in data.inputs])
    batches: list[Batch] = []
    for index, item in enumerate(data.inputs):
        batch = found.get(item.batch_id)
        if batch is None:
            raise InvalidInput(f"no batch {item.batch_id}", field=f"inputs.{index}.batch_id")
        # Custody, not ownership: a processor transforms what it holds, whoever produced it.
        if custodian_id(batch) != org.id:
            raise Forbidden(f"only the current custodian of batch {batch.id} may transform it")
        if batch.in_transit_to_org_id is not None:
            raise Conflict(f"batch {batch.id} is in transit; its receiver must record receipt")
        # Like shipping: a held or recalled lot must not leave under a new lot number.
        if batch.on_hold_since is not None or batch.recalled_at is not None:
            raise Conflict(f"batch {batch.id} is on hold or recalled; it cannot be transformed")
        if item.quantity > batch.quantity:
            raise InvalidInput(
                f"batch {batch.id} holds {batch.quantity:g} {batch.uom}, not {item.quantity:g}",
                field=f"inputs.{index}.quantity",
            )
        if (batch.gtin, batch.lot) == (data.output.gtin, data.output.lot):
            raise InvalidInput(f"batch {batch.id} cannot be its own output", field="output.lot")
        batches.append(batch)
    return batches


def transformation_read(
    session: Session, transformation: Transformation, public_url: str
) -> TransformationRead:
    return TransformationRead(
        transformation_id=transformation.transformation_id,
        output=batch_read(session, transformation.output, public_url),
        records=[
            RecordRef(batch_id=r.batch_id, n=r.n, digest=digest_to_hex(r.digest))
            for r in transformation.records
        ],
    )


def trace(session: Session, batch_id: int, direction: TraceDirection, depth: int) -> TraceGraph:
    """The batches upstream (what went in) and/or downstream (what came out) of a batch."""
    root = get_batch(session, batch_id)
    repo = TransformationRepository(session)
    levels = {root.id: 0}
    edges: dict[int, BatchLink] = {}
    if direction in (TraceDirection.upstream, TraceDirection.both):
        levels |= _walk(repo, root.id, depth, upstream=True, edges=edges)
    if direction in (TraceDirection.downstream, TraceDirection.both):
        levels |= _walk(repo, root.id, depth, upstream=False, edges=edges)
    nodes = [
        TraceNode(
            id=batch.id,
            gtin=batch.gtin,
            lot=batch.lot,
            product_name=product_name,
            owner=owner,
            quantity=batch.quantity,
            unit=batch.uom,
            level=levels[batch.id],
        )
        for batch, product_name, owner in repo.list_nodes(levels)
    ]
    nodes.sort(key=lambda node: (node.level, node.id))
    return TraceGraph(
        root=root.id,
        direction=direction,
        depth=depth,
        nodes=nodes,
        edges=[_edge(link) for _, link in sorted(edges.items())],
    )


def _walk(
    repo: TransformationRepository,
    root_id: int,
    depth: int,
    *,
    upstream: bool,
    edges: dict[int, BatchLink],
) -> dict[int, int]:
    """Breadth-first, one query per hop; returns {batch id: signed hop count} (root excluded).

    Links only ever point from existing batches to a new one, so the graph is acyclic; the
    visited set still stops a hand-edited table from looping forever.
    """
    sign = -1 if upstream else 1
    visited = {root_id}
    levels: dict[int, int] = {}
    frontier = {root_id}
    for hop in range(1, depth + 1):
        if not frontier:
            break
        links: Sequence[BatchLink] = (
            repo.list_links_into(frontier) if upstream else repo.list_links_from(frontier)
        )
        frontier = set()
        for link in links:
            edges[link.id] = link
            neighbour = link.input_batch_id if upstream else link.output_batch_id
            if neighbour not in visited:
                visited.add(neighbour)
                levels[neighbour] = sign * hop
                frontier.add(neighbour)
    return levels


def _edge(link: BatchLink) -> TraceEdge:
    return TraceEdge(
        from_=link.input_batch_id,
        to=link.output_batch_id,
        quantity=link.quantity,
        unit=link.uom,
        transformation_id=link.transformation_id,
    )
