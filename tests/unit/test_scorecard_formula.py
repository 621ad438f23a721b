"""The scorecard formula: weights, boundaries, and the same facts always giving the same score."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.scorecard import formula


def full_scorecard() -> list[formula.Component]:
    return [
        formula.inspection_pass_rate({3: True, 1: True, 2: False}),
        formula.complaints_per_1000(["B", "A"], 2400),
        formula.median_first_response({"A": 48.0}),
        formula.answered_on_time({"A": True, "B": False}),
        formula.recalls([7], [11]),
        formula.certificate_validity(),
    ]


class TestWeights:
    def test_weights_sum_to_100(self) -> None:
        assert sum(formula.WEIGHTS.values()) == 100

    def test_every_component_is_in_a_scorecard_once(self) -> None:
        assert sorted(c.name for c in full_scorecard()) == sorted(formula.WEIGHTS)

    def test_no_evidence_gives_full_points_and_a_null_value(self) -> None:
        empty = [
            formula.inspection_pass_rate({}),
            formula.complaints_per_1000([], 0),
            formula.median_first_response({}),
            formula.answered_on_time({}),
            formula.recalls([], []),
            formula.certificate_validity(),
        ]
        assert formula.total_score(empty) == 100.0
        assert [c.value for c in empty] == [None, None, None, None, 0, None]

    def test_certificates_are_reported_but_weigh_nothing(self) -> None:
        component = formula.certificate_validity()
        assert (component.weight, component.points, component.value) == (0, 0, None)


class TestBoundaries:
    @pytest.mark.parametrize(
        ("hours", "points"),
        [(0.0, 15.0), (24.0, 15.0), (96.0, 7.5), (168.0, 0.0), (500.0, 0.0)],
    )
    def test_first_response_is_full_at_a_day_and_zero_at_a_week(
        self, hours: float, points: float
    ) -> None:
        assert formula.median_first_response({"A": hours}).points == points

    def test_first_response_uses_the_median(self) -> None:
        component = formula.median_first_response({"A": 1.0, "B": 100.0, "C": 500.0})
        assert component.value == 100.0

    @pytest.mark.parametrize(
        ("complaints", "units", "points"),
        [(0, 1000, 20.0), (5, 1000, 10.0), (10, 1000, 0.0), (30, 1000, 0.0), (1, 2000, 19.0)],
    )
    def test_complaint_rate_falls_to_zero_at_ten_per_thousand(
        self, complaints: int, units: float, points: float
    ) -> None:
        codes = [f"C{i}" for i in range(complaints)]
        assert formula.complaints_per_1000(codes, units).points == points

    @pytest.mark.parametrize(("recalls", "points"), [(0, 10.0), (1, 5.0), (2, 0.0), (3, 0.0)])
    def test_each_recall_costs_half_the_recall_weight(self, recalls: int, points: float) -> None:
        assert formula.recalls(list(range(recalls)), []).points == points

    def test_the_same_recall_reaching_two_batches_counts_once(self) -> None:
        assert formula.recalls([4, 4], [10, 11]).value == 1

    def test_pass_rate(self) -> None:
        component = formula.inspection_pass_rate({1: True, 2: True, 3: False}, not_counted=1)
        assert component.points == round(40 * 2 / 3, 2)
        assert component.inputs == {"inspections": 3, "passed": 2, "failed": 1, "not_counted": 1}

    def test_on_time_share(self) -> None:
        assert formula.answered_on_time({"A": True, "B": False}).points == 7.5

    def test_linear_fraction_is_bounded(self) -> None:
        assert formula.linear_fraction(-5, 0, 10) == 1.0
        assert formula.linear_fraction(5, 0, 10) == 0.5
        assert formula.linear_fraction(15, 0, 10) == 0.0


class TestDeterminism:
    def test_same_facts_in_any_order_give_the_same_output(self) -> None:
        reordered = [
            formula.inspection_pass_rate({2: False, 1: True, 3: True}),
            formula.complaints_per_1000(["A", "B"], 2400),
            formula.median_first_response({"A": 48.0}),
            formula.answered_on_time({"B": False, "A": True}),
            formula.recalls([7], [11]),
            formula.certificate_validity(),
        ]
        assert reordered == full_scorecard()
        assert formula.total_score(reordered) == formula.total_score(full_scorecard())

    def test_ids_are_listed_sorted(self) -> None:
        scorecard = full_scorecard()
        assert scorecard[0].record_ids == [1, 2, 3]
        assert scorecard[1].complaint_ids == ["A", "B"]

    def test_score_is_the_rounded_sum_of_points(self) -> None:
        scorecard = full_scorecard()
        assert formula.total_score(scorecard) == round(sum(c.points for c in scorecard), 1)


class TestVersion2:
    START = datetime(2026, 1, 1, tzinfo=UTC)
    END = datetime(2026, 1, 11, tzinfo=UTC)  # a 10-day window

    def cert(self, record_id: int, type_: str, start: date, end: date, **kw: Any) -> Any:
        return formula.CertificateFact(record_id, type_, start, end, **kw)

    def test_v2_weights_sum_to_100_and_v1_is_unchanged(self) -> None:
        assert sum(formula.WEIGHTS_V2.values()) == 100
        assert formula.WEIGHTS["inspection_pass_rate"] == 40
        assert formula.WEIGHTS["certificate_validity"] == 0
        assert formula.FORMULAS[formula.FORMULA_V1] is formula.WEIGHTS

    def test_nothing_required_measures_nothing(self) -> None:
        component = formula.certificate_coverage([], [], self.START, self.END)
        assert (component.value, component.points) == (None, 5.0)

    def test_a_missing_certificate_scores_zero(self) -> None:
        component = formula.certificate_coverage(["iso-9001"], [], self.START, self.END)
        assert (component.value, component.points) == (0.0, 0.0)

    def test_coverage_counts_valid_to_as_a_whole_day(self) -> None:
        # Valid 2026-01-01 .. 2026-01-05 inclusive: 5 of 10 days.
        cert = self.cert(1, "iso-9001", date(2025, 6, 1), date(2026, 1, 5))
        component = formula.certificate_coverage(["iso-9001"], [cert], self.START, self.END)
        assert component.value == 0.5 and component.points == 2.5
        assert component.record_ids == [1]

    def test_overlapping_certificates_are_not_counted_twice(self) -> None:
        certs = [
            self.cert(1, "iso-9001", date(2026, 1, 1), date(2026, 1, 6)),
            self.cert(2, "iso-9001", date(2026, 1, 4), date(2026, 1, 8)),
        ]
        component = formula.certificate_coverage(["iso-9001"], certs, self.START, self.END)
        assert component.value == 0.8

    def test_revocation_ends_coverage_on_its_day(self) -> None:
        cert = self.cert(
            1, "iso-9001", date(2025, 1, 1), date(2030, 1, 1), revoked_on=date(2026, 1, 3)
        )
        component = formula.certificate_coverage(["iso-9001"], [cert], self.START, self.END)
        assert component.value == 0.2

    def test_types_are_averaged_and_other_types_ignored(self) -> None:
        certs = [
            self.cert(1, "iso-9001", date(2025, 1, 1), date(2030, 1, 1)),
            self.cert(2, "other", date(2025, 1, 1), date(2030, 1, 1)),
        ]
        required = ["iso-9001", "licence", "iso-9001"]
        component = formula.certificate_coverage(required, certs, self.START, self.END)
        assert component.value == 0.5
        assert component.inputs["coverage"] == {"iso-9001": 1.0, "licence": 0.0}
        assert component.record_ids == [1]

    def test_an_org_created_after_the_window_measures_nothing(self) -> None:
        component = formula.certificate_coverage(["iso-9001"], [], self.END, self.END)
        assert component.value is None
