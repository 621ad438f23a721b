"""``lotproof import FILE.csv``: batches and their events from a spreadsheet, checked first.

The whole file is validated before anything is sent, so a field worker fixes every bad row
in one go. Batches go first, then each batch's events in one all-or-nothing bulk call.
Every write carries an Idempotency-Key derived from its content, so running the same file
again after a dropped connection replays what was already written instead of duplicating it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.batches.schemas import BatchCreate
from service.client.api import JSON, ClientError, LotproofClient
from service.events.schemas import EventCreate

COLUMNS = (
    "kind",
    "batch",
    "gtin",
    "lot",
    "quantity",
    "unit",
    "produced_at",
    "type",
    "time",
    "location",
    "receiver",
    "temperature_c",
    "details_json",
)
LOT_REF = "@"


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRejected(Exception):
    """The file (or the server) refused rows; ``problems`` names each by its CSV line."""

    def __init__(self, problems: list[RowProblem], written: str = "nothing was sent") -> None:
        super().__init__(f"{len(problems)} bad row(s); {written}")
        self.problems = problems


@dataclass(frozen=True)
class BatchRow:
    line: int
    body: JSON


@dataclass(frozen=True)
class EventRow:
    line: int
    batch: int | str  # a batch id, or the lot of a batch row earlier in the file
    body: JSON


@dataclass
class ImportPlan:
    batches: list[BatchRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)


@dataclass
class ImportResult:
    batch_ids: dict[str, int] = field(default_factory=dict)  # lot -> id, for the file's batches
    records: dict[int, list[JSON]] = field(default_factory=dict)  # batch id -> its new records


def _problems(line: int, error: ValidationError) -> list[RowProblem]:
    return [
        RowProblem(line, f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}")
        for e in error.errors()
    ]


def _batch_row(line: int, row: dict[str, str]) -> BatchRow:
    raw = {k: row[k] for k in ("gtin", "lot", "quantity", "unit", "produced_at")}
    # Checked with the API's own model, then sent as the normalised JSON it produces.
    return BatchRow(line, BatchCreate.model_validate(raw).model_dump(mode="json"))


def _event_body(row: dict[str, str]) -> JSON:
    body: JSON = {"type": row["type"], "event_time": row["time"], "location": row["location"]}
    if row["receiver"]:
        body["receiver"] = row["receiver"]
    if row["temperature_c"]:
        body["temperature_c"] = row["temperature_c"]
    if row["details_json"]:
        body["details"] = json.loads(row["details_json"])
    return body


def _event_checks(body: JSON) -> list[str]:
    """The per-type presence rules the server applies after the schema (custody/rules.py),
    repeated here because a refusal there would come after the file's batches exist."""
    problems = []
    if (body["type"] == "shipping") != ("receiver" in body):
        problems.append("receiver: required for shipping events and only for them")
    if (body["type"] == "temperature") != ("temperature_c" in body):
        problems.append("temperature_c: required for temperature events and only for them")
    return problems


def _event_row(line: int, row: dict[str, str], lots: set[str]) -> tuple[EventRow, list[str]]:
    problems: list[str] = []
    ref = row["batch"]
    batch: int | str = ref
    if ref.startswith(LOT_REF):
        if ref[1:] not in lots:
            problems.append(f"batch: {ref} names no batch row above this one")
        batch = ref[1:]
    elif ref.isdigit() and int(ref) > 0:
        batch = int(ref)
    else:
        problems.append(f"batch: {ref!r} is neither a batch id nor @LOT")
    try:
        raw = _event_body(row)
    except json.JSONDecodeError as e:
        return EventRow(line, batch, {}), [*problems, f"details_json: not JSON ({e.msg})"]
    try:
        event = EventCreate.model_validate(raw)
    except ValidationError as e:
        return EventRow(line, batch, {}), problems + [str(p.message) for p in _problems(line, e)]
    body = event.model_dump(mode="json", exclude_defaults=True)
    return EventRow(line, batch, body), problems + _event_checks(body)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel writes a BOM
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRejected([RowProblem(1, f"header lacks {', '.join(missing)}")])
        for row in reader:
            # line_num is where the row ends: right for the usual one-line rows.
            yield reader.line_num, {c: (row[c] or "").strip() for c in COLUMNS}


def read_plan(path: Path) -> ImportPlan:
    """Every row checked; ImportRejected lists all the bad ones, by line."""
    plan, lots, problems = ImportPlan(), set[str](), list[RowProblem]()
    for line, row in _rows(path):
        try:
            if row["kind"] == "batch":
                plan.batches.append(_batch_row(line, row))
                if row["lot"] in lots:
                    problems.append(RowProblem(line, f"lot: {row['lot']} appears twice"))
                lots.add(row["lot"])
            elif row["kind"] == "event":
                event, messages = _event_row(line, row, lots)
                plan.events.append(event)
                problems += [RowProblem(line, m) for m in messages]
            else:
                problems.append(RowProblem(line, f"kind: {row['kind']!r} is not batch or event"))
        except ValidationError as e:
            problems += _problems(line, e)
    if problems:
        raise ImportRejected(problems)
    if not plan.batches and not plan.events:
        raise ImportRejected([RowProblem(1, "no rows after the header")])
    return plan


def _content_key(kind: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return f"lotproof-import-{kind}-{hashlib.sha256(canonical.encode()).hexdigest()}"


def _groups(plan: ImportPlan, batch_ids: dict[str, int]) -> dict[int, list[EventRow]]:
    """Each batch's events in file order (the server chains them in the order sent)."""
    groups: dict[int, list[EventRow]] = {}
    for event in plan.events:
        batch_id = batch_ids[event.batch] if isinstance(event.batch, str) else event.batch
        groups.setdefault(batch_id, []).append(event)
    return groups


def steps(plan: ImportPlan) -> int:
    """Calls ``run_plan`` makes: for a progress bar."""
    return len(plan.batches) + len({e.batch for e in plan.events})


def run_plan(
    client: LotproofClient, plan: ImportPlan, advance: Callable[[int], None]
) -> ImportResult:
    result = ImportResult()
    for batch in plan.batches:
        try:
            made = client.create_batch(
                **batch.body, idempotency_key=_content_key("batch", batch.body)
            )
        except ClientError as e:
            raise _refused(e, [batch.line], result) from e
        result.batch_ids[batch.body["lot"]] = made["id"]
        advance(1)
    for batch_id, events in _groups(plan, result.batch_ids).items():
        bodies = [e.body for e in events]
        key = _content_key("events", {"batch": batch_id, "events": bodies})
        try:
            result.records[batch_id] = client.record_events_bulk(
                batch_id, bodies, idempotency_key=key
            )
        except ClientError as e:
            raise _refused(e, [event.line for event in events], result) from e
        advance(1)
    return result


def _refused(error: ClientError, lines: list[int], done: ImportResult) -> ImportRejected:
    """The server's refusal, its row indexes turned back into the file's line numbers; a
    refusal of the whole request is pinned on the request's first line."""

    def line(row: int | None) -> int:
        return lines[row] if row is not None and 0 <= row < len(lines) else lines[0]

    problems = [
        RowProblem(line(e.row), f"{e.field}: {e.message}" if e.field else e.message)
        for e in error.errors
    ] or [RowProblem(lines[0], error.detail)]
    written = (
        f"{len(done.batch_ids)} batch(es) and the events of {len(done.records)} batch(es) "
        "were written before it; run the file again once fixed (written rows are replayed)"
    )
    return ImportRejected(problems, written)
