"""Bulk recording: up to 10,000 events for one batch, written all together or not at all.

Every row is checked (schema, custody, evidence) before anything is committed, and every bad
row is reported with its index, so a field import can be fixed in one go.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from service.batches.service import get_batch
from service.db.models import Organization, Record
from service.errors import LotproofError
from service.events.schemas import EventCreate, EventRead
from service.events.service import record_event

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

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        rows = sorted({e["row"] for e in errors})
        super().__init__(f"{len(rows)} of the rows are invalid; nothing was written")
        self.errors = errors


def record_bulk(
    session: Session, org: Organization, batch_id: int, rows: list[dict[str, Any]]
) -> list[Record]:
    """Record every row in order inside one savepoint; any bad row rolls all of them back."""
    get_batch(session, batch_id)  # an unknown batch is a 404 for the request, not per row
    errors: list[dict[str, Any]] = []
    records: list[Record] = []
    savepoint = session.begin_nested()
    for row, raw in enumerate(rows):
        try:
            data = EventCreate.model_validate(raw)
        except ValidationError as e:
            errors += [_field_error(row, err["loc"], err["msg"]) for err in e.errors()]
            continue
        try:
            with session.begin_nested():  # a rejected row leaves no trace, later rows go on
                records.append(record_event(session, org, batch_id, data))
        except LotproofError as e:
            errors.append({"row": row, "field": e.field, "message": e.detail})
    if errors:
        savepoint.rollback()
        raise BulkRejected(errors)
    savepoint.commit()
    return records


def _field_error(row: int, loc: tuple[int | str, ...], message: str) -> dict[str, Any]:
    return {"row": row, "field": ".".join(str(p) for p in loc), "message": message}
