"""Declaring a record erroneous (docs/design.md §2.10): who may, which records, and the
record that says so. The declared record is never changed; verdicts read the declaration
beside it (``service.corrections.declarations``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC

from sqlalchemy.orm import Session

from service.corrections.declarations import parse_declaration
from service.corrections.repository import ERROR_DECLARATION, CorrectionRepository
from service.corrections.schemas import ErrorDeclarationCreate, ErrorDeclarationRead
from service.db.base import utcnow
from service.db.models import Organization, Record
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.hashing import digest_to_hex
from service.records.epcis import EventType, error_declaration_event
from service.records.writer import NewRecord, append_record, lock_batch

# Events recorded through the events API (and a batch's production): what an organisation
# observed. Complaints, quality alerts and recalls change through their own workflows (a
# transition, a review, an update or closure); a transformation is one event in several
# histories, which one declaration could not cover; a declaration is not withdrawn.
DECLARABLE = frozenset(EventType)


def declare_error(
    session: Session, org: Organization, batch_id: int, n: int, body: ErrorDeclarationCreate
) -> ErrorDeclarationRead:
    """Append to batch ``batch_id`` the record declaring its record ``n`` erroneous."""
    batch = lock_batch(session, batch_id)  # one declaration at a time: never two for one n
    repo = CorrectionRepository(session)
    declared = repo.get_by_batch_n(batch.id, n)
    if declared is None:
        raise NotFound(f"batch {batch_id} has no record {n}")
    _check_declarable(org, declared)
    declared_already = _declared_ns(repo.list_declarations(batch.id))
    if n in declared_already:
        raise Conflict(f"record {n} is declared erroneous already")
    corrective = _corrective(repo, org, declared, body.corrective_n, declared_already)
    assert declared.content is not None  # _check_declarable
    event = error_declaration_event(
        declared=json.loads(declared.content)["event"],
        declared_n=n,
        declared_digest=digest_to_hex(declared.digest),
        at=utcnow(),
        reason=body.reason.value,
        corrective=[digest_to_hex(c.digest) for c in corrective],
    )
    # The declaration's event time is the declared event's, as in EPCIS (declarationTime
    # says when): the timeline shows it beside the record it declares.
    new = NewRecord(event, ERROR_DECLARATION, declared.event_time, org)
    record = append_record(session, batch, new)
    return ErrorDeclarationRead(
        id=record.id,
        batch_id=batch.id,
        n=record.n,
        type=record.event_type,
        event_time=record.event_time.astimezone(UTC),
        digest=digest_to_hex(record.digest),
        status=record.status,
        recorded_at=record.recorded_at,
        declares=n,
        declared_digest=digest_to_hex(declared.digest),
        reason=body.reason,
        corrective_n=[c.n for c in corrective],
    )


def _check_declarable(org: Organization, declared: Record) -> None:
    if declared.actor_org_id != org.id:
        raise Forbidden("only the organisation that recorded a record may declare it erroneous")
    if declared.event_type not in DECLARABLE:
        raise Conflict(
            f"record {declared.n} ({declared.event_type}) cannot be declared erroneous: only "
            "events recorded through the events API can"
        )
    if declared.content is None:
        raise Conflict(f"record {declared.n} is redacted: nothing is left to declare")


def _declared_ns(declarations: Sequence[Record]) -> set[int]:
    """The records the batch's declarations name (an erased declaration names none)."""
    declared = set()
    for record in declarations:
        if record.content is not None:
            try:
                declared.add(parse_declaration(record.n, json.loads(record.content)).declared_n)
            except ValueError:
                continue  # not one the service wrote: verdicts will not honour it either
    return declared


def _corrective(
    repo: CorrectionRepository,
    org: Organization,
    declared: Record,
    ns: list[int],
    declared_already: set[int],
) -> list[Record]:
    """The corrective records: the same organisation's later events in the same batch,
    themselves not declared erroneous; 422 naming the entry at fault."""
    found = repo.list_by_batch_ns(declared.batch_id or 0, ns)
    records = []
    for i, n in enumerate(ns):
        field = f"corrective_n.{i}"
        record = found.get(n)
        if n in ns[:i]:
            raise InvalidInput(f"record {n} is listed twice", field=field)
        if record is None or n <= declared.n:
            raise InvalidInput(
                f"no record {n} after record {declared.n}: record the corrective event first",
                field=field,
            )
        if record.actor_org_id != org.id or record.event_type not in DECLARABLE:
            raise InvalidInput(
                f"record {n} is not an event your organisation recorded", field=field
            )
        if n in declared_already:
            raise InvalidInput(f"record {n} is itself declared erroneous", field=field)
        records.append(record)
    return records
