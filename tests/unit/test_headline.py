"""The consumer page's one headline: the most serious state that applies, in a fixed order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from service.consumer.headline import PRECEDENCE, Headline, Situation, headline
from service.consumer.readings import StorageRange, hold_cause, temperature_readings
from service.verdicts.schemas import BatchVerdict, RecordVerdict, RecordVerification

ORDER = [
    "tampered",
    "recalled",
    "on_hold",
    "suspect_copy",
    "supplier_suspended",
    "pending",
    "authentic",
]


def test_the_precedence_is_the_documented_one() -> None:
    assert [h.value for h in PRECEDENCE] == ORDER


@pytest.mark.parametrize(
    ("verdict", "recalled", "on_hold", "copy", "suspended"),
    list(itertools.product(list(BatchVerdict), *[[False, True]] * 4)),
)
def test_every_combination_gets_the_most_serious_state(
    verdict: BatchVerdict, recalled: bool, on_hold: bool, copy: bool, suspended: bool
) -> None:
    applies = {
        "tampered": verdict == BatchVerdict.tampered,
        "recalled": recalled,
        "on_hold": on_hold,
        "suspect_copy": copy,
        "supplier_suspended": suspended,
        "pending": verdict == BatchVerdict.pending,
        "authentic": True,
    }
    expected = next(name for name in ORDER if applies[name])
    got = headline(
        Situation(
            verdict=verdict,
            recalled=recalled,
            on_hold=on_hold,
            suspect_copy=copy,
            supplier_suspended=suspended,
        )
    )
    assert got == Headline(expected)


def _record(
    n: int, kind: str, event: dict[str, Any], result: str | None = None
) -> RecordVerification:
    return RecordVerification(
        n=n,
        type=kind,
        event_time=datetime(2026, 11, 1, tzinfo=UTC),
        location=None,
        actor="acme",
        actor_name="Acme",
        inspection_result=result,
        digest="0x" + "00" * 32,
        verdict=RecordVerdict.verified,
        anchor=None,
        proof=[],
        event=event,
    )


def _temperature(n: int, value: float, uom: str = "CEL") -> RecordVerification:
    report = {"type": "Temperature", "value": value, "uom": uom}
    return _record(n, "temperature", {"sensorElementList": [{"sensorReport": [report]}]})


class TestReadings:
    def test_temperatures_are_judged_against_the_storage_range(self) -> None:
        records = [_temperature(1, 4.0), _temperature(2, 9.5), _record(3, "storage", {})]
        readings = temperature_readings(records, StorageRange(min_c=0, max_c=8))
        assert [(r.n, r.value, r.within_range) for r in readings] == [
            (1, 4.0, True),
            (2, 9.5, False),
        ]

    def test_without_a_range_no_judgement_is_made(self) -> None:
        readings = temperature_readings([_temperature(1, 30.0)], None)
        assert [r.within_range for r in readings] == [None]

    def test_a_hold_is_explained_by_the_latest_failed_inspection(self) -> None:
        inspection = {
            "lp:inspection": {
                "decision": "reject",
                "classes": {
                    "major": {"decision": "reject"},
                    "minor": {"decision": "accept"},
                    "critical": {"decision": "reject"},
                },
            }
        }
        records = [_record(1, "inspection", inspection, "fail"), _record(2, "storage", {})]
        cause = hold_cause(records, datetime(2026, 11, 2, tzinfo=UTC))
        assert (cause.kind, cause.n, cause.by, cause.defects) == (
            "inspection",
            1,
            "Acme",
            ["critical", "major"],
        )

    def test_a_confirmed_alert_gives_its_numbers(self) -> None:
        alert = {"lp:alert": {"sources": 4, "window_days": 7}}
        cause = hold_cause([_record(5, "quality_alert", alert)], datetime(2026, 11, 2, tzinfo=UTC))
        assert (cause.kind, cause.sources, cause.window_days) == ("quality_alert", 4, 7)

    def test_no_record_explains_it(self) -> None:
        cause = hold_cause([_record(1, "storage", {})], datetime(2026, 11, 2, tzinfo=UTC))
        assert cause.kind == "unknown"
