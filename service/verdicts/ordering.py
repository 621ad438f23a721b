"""The order a lot's timeline is read in: when things happened, not when they were recorded.

Records are appended as they arrive, and a late upload (a carrier's readings sent from the
depot the next day) lands after later events; a shopper reads a story, so the timeline goes
by event time, ties by record position ``n``. The audit keeps recording order: it is how
the chain was built and anchored, and a reader checking it needs that order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.verdicts.schemas import RecordVerification


def by_event_time(records: list[RecordVerification]) -> list[RecordVerification]:
    """``records`` ordered by event time, ties by ``n``; a new list, the argument unchanged.

    A record without an event time (none is stored today; a reader built from partial data
    may lack one) cannot be placed in time, so it stays where it was recorded: right after
    the record before it in recording order, or first if no record comes before it."""
    in_recording_order = sorted(records, key=lambda record: record.n)
    keys: dict[int, tuple[Any, ...]] = {}
    after: tuple[Any, ...] | None = None  # the key of the last timed record, by n
    for record in in_recording_order:
        moment = _time_of(record)
        if moment is not None:
            after = (1, moment, record.n, 0)
            keys[id(record)] = after
        elif after is None:
            keys[id(record)] = (0, record.n)
        else:
            keys[id(record)] = (*after[:3], 1, record.n)
    return sorted(in_recording_order, key=lambda record: keys[id(record)])


def _time_of(record: RecordVerification) -> datetime | None:
    moment: datetime | None = record.event_time
    return moment
