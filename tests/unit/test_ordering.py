"""The timeline's order (service/verdicts/ordering.py): by event time, ties by record position,
records without an event time where they were recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from service.verdicts.ordering import by_event_time
from service.verdicts.schemas import RecordVerdict, RecordVerification

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def record(n: int, hours: float | None) -> RecordVerification:
    moment = None if hours is None else T0 + timedelta(hours=hours)
    fields = {
        "n": n,
        "type": "storage",
        "event_time": moment,
        "location": None,
        "actor": "acme",
        "digest": f"{n:064x}",
        "verdict": RecordVerdict.verified,
        "anchor": None,
        "proof": [],
    }
    if moment is None:  # no stored record lacks one; a reader of partial data may
        return RecordVerification.model_construct(**fields)
    return RecordVerification(**fields)


def order(records: list[RecordVerification]) -> list[int]:
    return [r.n for r in by_event_time(records)]


def test_a_late_upload_takes_its_place_in_time() -> None:
    # Recorded 0..3; the reading recorded last (n=3) happened between the first two.
    records = [record(0, 0), record(1, 5), record(2, 9), record(3, 2)]
    assert order(records) == [0, 3, 1, 2]


def test_ties_go_by_record_position_whatever_the_input_order() -> None:
    records = [record(4, 1), record(2, 1), record(3, 0), record(1, 1)]
    assert order(records) == [3, 1, 2, 4]


def test_instants_compare_across_offsets() -> None:
    east = record(0, 0).model_copy(
        update={"event_time": datetime(2026, 11, 2, 15, tzinfo=timezone(timedelta(hours=8)))}
    )  # 07:00 UTC, an hour before T0
    assert order([record(1, 0), east]) == [0, 1]


def test_the_argument_is_not_changed() -> None:
    records = [record(1, 3), record(0, 4)]
    assert order(records) == [1, 0]
    assert [r.n for r in records] == [1, 0]


def test_records_without_a_time_stay_after_the_record_before_them() -> None:
    records = [record(0, 5), record(1, None), record(2, 1), record(3, None), record(4, 3)]
    # 0 (at 5 h) keeps 1 behind it; 2 (at 1 h) keeps 3 behind it; 4 (at 3 h) between.
    assert order(records) == [2, 3, 4, 0, 1]


def test_records_without_a_time_before_any_timed_one_come_first() -> None:
    records = [record(0, None), record(1, None), record(2, 7), record(3, 1)]
    assert order(records) == [0, 1, 3, 2]


def test_empty_and_single() -> None:
    assert by_event_time([]) == []
    assert order([record(0, None)]) == [0]
