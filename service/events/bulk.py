"""Bulk recording: up to 10,000 events for one batch, written all together or not at all.

Every row is checked (schema, custody, evidence) before anything is committed, and every bad
row is reported with its index, so a field import can be fixed in one go.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from service.db.models import Organization
from service.errors import Forbidden, LotproofError
from service.events.schemas import EventCreate
from service.events.service import Shipments, apply_event, check_event
from service.records.schemas import EventRead
from service.records.window import EventTimeWindow
from service.records.writer import NewRecord, append_records, lock_batch

MAX_BULK_EVENTS = 10_000
# 10,000 events of a few hundred bytes each, with room for larger details.
BULK_MAX_BYTES = 16 * 1024 * 1024


class BulkEvents(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Raw rows: each is validated on its own so one bad row does not hide the others.
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BULK_EVENTS)


class BulkRecorded(BaseModel):
    records: list[EventRead]


class BulkRejected(LotproofError):
    status_code = 422
    title = "Invalid rows"
    problem = "are invalid"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        rows = sorted({e["row"] for e in errors})
        super().__init__(f"{len(rows)} of the rows {self.problem}; nothing was written")
        self.errors = errors


class BulkForbidden(BulkRejected):
    """Not one row is the caller's to record (someone else's batch): a 403, as a single event
    would get, not a 422. ``errors`` still lists every row."""

    status_code = 403
    title = "Forbidden"
    problem = "may not be recorded by this organisation"


def record_bulk(
    session: Session,
    org: Organization,
    batch_id: int,
    rows: list[dict[str, Any]],
    window: EventTimeWindow,
) -> list[EventRead]:
    """Check every row in order, then store them all at once; any bad row writes nothing.

    Rows are checked against the batch as the rows before them leave it (a shipment, then
    its receipt), exactly as if they had been posted one by one. A rejected row changes
    nothing and later rows go on being checked; the caller's transaction is rolled back when
    ``BulkRejected`` is raised, so the changes of the accepted rows go too.
    """
    errors: list[dict[str, Any]] = []
    valid: list[tuple[int, EventCreate]] = []
    # Parsing needs no database: done before the batch is locked (and, on SQLite, before this
    # transaction takes the write lock), so other writers are not kept waiting for it.
    for row, raw in enumerate(rows):
        try:
            valid.append((row, EventCreate.model_validate(raw)))
        except ValidationError as e:
            errors += [_field_error(row, err["loc"], err["msg"]) for err in e.errors()]
    batch = lock_batch(session, batch_id)  # an unknown batch is a 404, not a row error
    shipments = Shipments(session)
    accepted: list[NewRecord] = []
    forbidden = 0
    for row, data in valid:
        try:
            checked = check_event(session, org, batch, data, window, shipments)
        except LotproofError as e:
            errors.append({"row": row, "field": e.field, "message": e.detail})
            forbidden += isinstance(e, Forbidden)
            continue
        apply_event(session, org, batch, checked, shipments)
        accepted.append(NewRecord(checked.event, data.type, data.event_time, org))
    if errors:
        rejected = BulkForbidden if valid and forbidden == len(valid) else BulkRejected
        raise rejected(sorted(errors, key=lambda e: e["row"]))
    return append_records(session, [(batch, new) for new in accepted])


def _field_error(row: int, loc: tuple[int | str, ...], message: str) -> dict[str, Any]:
    return {"row": row, "field": ".".join(str(p) for p in loc), "message": message}
