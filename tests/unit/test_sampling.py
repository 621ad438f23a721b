"""ISO 2859-1 / ANSI/ASQ Z1.4 single sampling plans against the published tables.

Expected values are read from the printed tables (Table 1, Tables 2-A, 2-B and 2-C of
ISO 2859-1; Tables I, II-A, II-B and II-C of MIL-STD-105E / ANSI/ASQ Z1.4), not computed.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.errors import install_error_handlers
from service.inspections.endpoints import router
from service.inspections.sampling import (
    AQLS,
    SAMPLE_SIZES,
    SEVERITIES,
    SamplingInputError,
    code_letter,
    decide,
    decide_by_class,
    sampling_plan,
)

# Table 1: (smallest lot, largest lot, letters for S-1 S-2 S-3 S-4 I II III).
TABLE_1 = [
    (2, 8, "A A A A A A B"),
    (9, 15, "A A A A A B C"),
    (16, 25, "A A B B B C D"),
    (26, 50, "A B B C C D E"),
    (51, 90, "B B C C C E F"),
    (91, 150, "B B C D D F G"),
    (151, 280, "B C D E E G H"),
    (281, 500, "B C D E F H J"),
    (501, 1200, "C C E F G J K"),
    (1201, 3200, "C D E G H K L"),
    (3201, 10000, "C D F G J L M"),
    (10001, 35000, "C D F H K M N"),
    (35001, 150000, "D E G J L N P"),
    (150001, 500000, "D E G J M P Q"),
    (500001, 10_000_000, "D E H K N Q R"),
]
LEVEL_COLUMNS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")


def _table_1_cases(levels: tuple[str, ...]) -> list[tuple[int, str, str]]:
    cases = []
    for low, high, letters in TABLE_1:
        for level in levels:
            letter = letters.split()[LEVEL_COLUMNS.index(level)]
            cases.append((low, level, letter))
            cases.append((high, level, letter))
    return cases


@pytest.mark.parametrize(("lot_size", "level", "letter"), _table_1_cases(("I", "II", "III")))
def test_code_letter_general_levels(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter
    assert sampling_plan(lot_size, 1.0, level).code_letter == letter


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"), _table_1_cases(("S-1", "S-2", "S-3", "S-4"))
)
def test_code_letter_special_levels(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


# Row headers of Tables 2-A (normal), 2-B (tightened, with its extra letter S) and 2-C (reduced).
NORMAL_N = dict(zip("ABCDEFGHJKLMNPQR", (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500,
                                         800, 1250, 2000), strict=True))  # fmt: skip
REDUCED_N = dict(zip("ABCDEFGHJKLMNPQR", (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315,
                                          500, 800), strict=True))  # fmt: skip


@pytest.mark.parametrize(
    ("severity", "letter", "n"),
    [("normal", letter, n) for letter, n in NORMAL_N.items()]
    + [("tightened", letter, n) for letter, n in NORMAL_N.items()]
    + [("tightened", "S", 3150)]
    + [("reduced", letter, n) for letter, n in REDUCED_N.items()],
)
def test_sample_size_per_letter(severity: str, letter: str, n: int) -> None:
    assert SAMPLE_SIZES[severity][letter] == n


# (lot, level, aql, code letter, plan letter, n, Ac, Re), normal inspection, Table 2-A.
NORMAL_PLANS = [
    (1000, "II", 1.0, "J", "J", 80, 2, 3),
    (1000, "II", 0.65, "J", "J", 80, 1, 2),
    (1000, "II", 2.5, "J", "J", 80, 5, 6),
    (1000, "II", 4.0, "J", "J", 80, 7, 8),
    (500, "II", 1.0, "H", "H", 50, 1, 2),
    (500, "II", 2.5, "H", "H", 50, 3, 4),
    (3000, "II", 1.0, "K", "K", 125, 3, 4),
    (10000, "II", 0.65, "L", "L", 200, 3, 4),
    (200, "II", 0.40, "G", "G", 32, 0, 1),
    (50000, "II", 2.5, "N", "N", 500, 21, 22),
    (300000, "II", 0.65, "P", "P", 800, 10, 11),
    (600000, "II", 1.0, "Q", "Q", 1250, 21, 22),
    (600000, "III", 0.65, "R", "R", 2000, 21, 22),
    (8, "II", 1000, "A", "A", 2, 30, 31),
    (10, "II", 1000, "B", "B", 3, 44, 45),
    (60, "II", 250, "E", "E", 13, 44, 45),
]
# Arrow cases: the plan letter (and its sample size) differ from the code letter.
NORMAL_ARROWS = [
    (150, "II", 1.0, "F", "E", 13, 0, 1),  # F, 1.0: ↑ to E's 0/1
    (500, "II", 0.65, "H", "J", 80, 1, 2),  # H, 0.65: ↓ to J's 1/2
    (80, "II", 0.65, "E", "F", 20, 0, 1),  # E, 0.65: ↓ to F's 0/1
    (2000, "II", 0.15, "K", "J", 80, 0, 1),  # K, 0.15: ↑ to J's 0/1
    (2000, "II", 0.25, "K", "L", 200, 1, 2),  # K, 0.25: ↓ to L's 1/2
    (5000, "II", 10, "L", "K", 125, 21, 22),  # L, 10: ↑ to K's 21/22
    (50000, "II", 6.5, "N", "L", 200, 21, 22),  # N, 6.5: ↑ past M's ↑ to L
    (50000, "II", 0.010, "N", "Q", 1250, 0, 1),  # N, 0.010: ↓ past P to Q's 0/1
    (600000, "III", 0.010, "R", "Q", 1250, 0, 1),  # R, 0.010: ↑ to Q's 0/1
    (600000, "III", 0.015, "R", "P", 800, 0, 1),  # R, 0.015: ↑ past Q's ↑ to P's 0/1
    (12, "II", 10, "B", "C", 5, 1, 2),  # B, 10: ↓ to C's 1/2
    (40, "II", 0.65, "D", "F", 20, 0, 1),  # D, 0.65: ↓ past E to F's 0/1
    (60, "II", 1000, "E", "B", 3, 44, 45),  # E, 1000: ↑ through D and C to B's 44/45
    (200, "II", 100, "G", "E", 13, 21, 22),  # G, 100: ↑ through F to E's 21/22
]


@pytest.mark.parametrize(
    ("lot", "level", "aql", "code", "plan_letter", "n", "ac", "re"), NORMAL_PLANS + NORMAL_ARROWS
)
def test_normal_plans(
    lot: int, level: str, aql: float, code: str, plan_letter: str, n: int, ac: int, re: int
) -> None:
    plan = sampling_plan(lot, aql, level)
    assert (plan.code_letter, plan.plan_letter) == (code, plan_letter)
    assert (plan.sample_size, plan.acceptance_number, plan.rejection_number) == (n, ac, re)
    assert not plan.inspect_all


# (lot, level, aql, severity, plan letter, n, Ac, Re): Tables 2-B (tightened), 2-C (reduced).
OTHER_SEVERITIES = [
    (1000, "II", 1.0, "tightened", "J", 80, 1, 2),
    (3000, "II", 1.0, "tightened", "K", 125, 2, 3),
    (3000, "II", 4.0, "tightened", "K", 125, 8, 9),
    (1000, "II", 0.65, "tightened", "K", 125, 1, 2),  # J, 0.65: ↓ to K
    (200, "II", 0.65, "tightened", "G", 32, 0, 1),
    (1000, "II", 10, "tightened", "J", 80, 12, 13),
    (5000, "II", 15, "tightened", "J", 80, 18, 19),  # L, 15: ↑ past K to J
    (8, "II", 1000, "tightened", "A", 2, 27, 28),
    (600000, "III", 0.010, "tightened", "R", 2000, 0, 1),
    (600000, "III", 0.015, "tightened", "S", 3150, 1, 2),  # R: ↓ to the extra letter S
    (1000, "II", 1.0, "reduced", "J", 32, 1, 3),
    (1000, "II", 0.65, "reduced", "J", 32, 0, 2),
    (1000, "II", 1.5, "reduced", "J", 32, 1, 4),
    (1000, "II", 2.5, "reduced", "J", 32, 2, 5),
    (1000, "II", 4.0, "reduced", "J", 32, 3, 6),
    (1000, "II", 6.5, "reduced", "J", 32, 5, 8),
    (1000, "II", 10, "reduced", "J", 32, 7, 10),
    (1000, "II", 15, "reduced", "J", 32, 10, 13),
    (3000, "II", 1.0, "reduced", "K", 50, 1, 4),
    (1000, "II", 0.25, "reduced", "H", 20, 0, 1),  # J, 0.25: ↑ to H
    (1000, "II", 0.40, "reduced", "K", 50, 0, 2),  # J, 0.40: ↓ to K
]


@pytest.mark.parametrize(
    ("lot", "level", "aql", "severity", "plan_letter", "n", "ac", "re"), OTHER_SEVERITIES
)
def test_tightened_and_reduced_plans(
    lot: int, level: str, aql: float, severity: str, plan_letter: str, n: int, ac: int, re: int
) -> None:
    plan = sampling_plan(lot, aql, level, severity)
    assert plan.plan_letter == plan_letter
    assert (plan.sample_size, plan.acceptance_number, plan.rejection_number) == (n, ac, re)


# (lot, aql, severity, plan letter, the plan's n, Ac, Re): the plan's sample is not smaller
# than the lot, so every item is inspected.
INSPECT_ALL = [
    (5, 0.010, "normal", "Q", 1250, 0, 1),  # A, 0.010: ↓ all the way to Q
    (5, 1.0, "normal", "E", 13, 0, 1),  # A, 1.0: ↓ to E's 0/1
    (2, 6.5, "normal", "A", 2, 0, 1),  # n == lot counts as "exceeds"
    (20, 0.65, "normal", "F", 20, 0, 1),  # C, 0.65: ↓ to F, n == lot
    (3, 0.65, "reduced", "F", 8, 0, 1),
    (8, 0.10, "tightened", "L", 200, 0, 1),
]


@pytest.mark.parametrize(("lot", "aql", "severity", "letter", "n", "ac", "re"), INSPECT_ALL)
def test_inspect_all_when_sample_reaches_lot(
    lot: int, aql: float, severity: str, letter: str, n: int, ac: int, re: int
) -> None:
    plan = sampling_plan(lot, aql, "II", severity)
    assert plan.inspect_all
    assert plan.plan_letter == letter
    assert (plan.plan_sample_size, plan.sample_size) == (n, lot)
    assert (plan.acceptance_number, plan.rejection_number) == (ac, re)
    assert plan.note is not None and "100 %" in plan.note


def test_small_lot_with_smaller_sample_is_sampled() -> None:
    plan = sampling_plan(8, 6.5)  # A: n=2 < 8
    assert (plan.inspect_all, plan.sample_size, plan.note) == (False, 2, None)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_cell_of_every_table_resolves(severity: str) -> None:
    lots = [high for _, high, _ in TABLE_1]
    for lot in lots:
        for aql in AQLS:
            plan = sampling_plan(lot, aql, "III", severity)
            assert plan.rejection_number > plan.acceptance_number >= 0


def test_aql_accepts_float_spellings_of_the_series() -> None:
    assert sampling_plan(1000, 0.1).aql == pytest.approx(0.10)
    assert sampling_plan(1000, 10.0).acceptance_number == 14  # J, 10: 14/15


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lot_size": 1, "aql": 1.0}, "lot_size"),
        ({"lot_size": 0, "aql": 1.0}, "lot_size"),
        ({"lot_size": 100, "aql": 0.3}, "aql"),
        ({"lot_size": 100, "aql": 2000}, "aql"),
        ({"lot_size": 100, "aql": 1.0, "level": "IV"}, "level"),
        ({"lot_size": 100, "aql": 1.0, "severity": "strict"}, "severity"),
    ],
)
def test_invalid_input_names_the_parameter(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field) as caught:
        sampling_plan(**kwargs)  # type: ignore[arg-type]
    assert isinstance(caught.value, SamplingInputError)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("defects", "decision"), [(0, "accept"), (2, "accept"), (3, "reject"), (9, "reject")]
)
def test_decide_normal_boundaries(defects: int, decision: str) -> None:
    assert decide(sampling_plan(1000, 1.0), defects) == decision  # J: Ac 2, Re 3


@pytest.mark.parametrize(
    ("defects", "decision"),
    [
        (2, "accept"),
        (3, "accept_reinstate_normal"),
        (4, "accept_reinstate_normal"),
        (5, "reject"),
    ],
)
def test_decide_reduced_gap_reinstates_normal(defects: int, decision: str) -> None:
    assert decide(sampling_plan(1000, 2.5, severity="reduced"), defects) == decision  # 2/5


def test_decide_rejects_negative_defects() -> None:
    with pytest.raises(ValueError, match="defects"):
        decide(sampling_plan(1000, 1.0), -1)


def test_decide_by_class_rejects_when_one_class_rejects() -> None:
    # Lot 1000, level II: J. Critical 0.065: ↓ to L (200, 0/1); major 1.0: J (80, 2/3);
    # minor 4.0: J (80, 7/8).
    verdict = decide_by_class(
        1000, "II", "normal", {"critical": (0.065, 1), "major": (1.0, 0), "minor": (4.0, 3)}
    )
    assert verdict["decision"] == "reject"
    assert verdict["sample_size"] == 200
    classes = verdict["classes"]
    assert classes["critical"]["decision"] == "reject"
    assert classes["major"]["decision"] == "accept"
    assert classes["minor"]["decision"] == "accept"
    assert classes["critical"]["plan"].sample_size == 200
    assert classes["major"]["plan"].sample_size == 80


def test_decide_by_class_accepts_when_every_class_accepts() -> None:
    verdict = decide_by_class(
        1000, "II", "normal", {"critical": (0.065, 0), "major": (1.0, 2), "minor": (4.0, 7)}
    )
    assert verdict["decision"] == "accept"


def test_decide_by_class_reduced_reinstates_normal() -> None:
    verdict = decide_by_class(1000, "II", "reduced", {"major": (2.5, 3), "minor": (4.0, 0)})
    assert verdict["decision"] == "accept_reinstate_normal"


@pytest.mark.parametrize(
    ("classes", "field"),
    [({}, "classes"), ({"cosmetic": (1.0, 0)}, "classes"), ({"major": (0.3, 0)}, "aql")],
)
def test_decide_by_class_invalid_input(classes: dict[str, tuple[float, int]], field: str) -> None:
    with pytest.raises(SamplingInputError) as caught:
        decide_by_class(1000, "II", "normal", classes)
    assert caught.value.field == field


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    return TestClient(app)


def test_endpoint_returns_plan(client: TestClient) -> None:
    response = client.get("/api/v1/inspections/sampling-plan?lot_size=1000&aql=1.0")
    assert response.status_code == 200
    assert response.json() == {
        "lot_size": 1000,
        "aql": 1.0,
        "level": "II",
        "severity": "normal",
        "code_letter": "J",
        "plan_letter": "J",
        "plan_sample_size": 80,
        "sample_size": 80,
        "acceptance_number": 2,
        "rejection_number": 3,
        "inspect_all": False,
        "note": None,
    }


def test_endpoint_reports_inspect_all(client: TestClient) -> None:
    response = client.get(
        "/api/v1/inspections/sampling-plan",
        params={"lot_size": 5, "aql": 0.010, "level": "II", "severity": "normal"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["inspect_all"], body["sample_size"], body["plan_letter"]) == (True, 5, "Q")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lot_size=1000&aql=0.3", "aql"),
        ("lot_size=1&aql=1.0", "lot_size"),
        ("lot_size=abc&aql=1.0", "lot_size"),
        ("aql=1.0", "lot_size"),
        ("lot_size=1000&aql=1.0&level=IV", "level"),
        ("lot_size=1000&aql=1.0&severity=strict", "severity"),
    ],
)
def test_endpoint_422_names_the_parameter(client: TestClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/inspections/sampling-plan?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]
