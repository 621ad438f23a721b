"""ISO 2859-1 (= ANSI/ASQ Z1.4, MIL-STD-105E) single sampling plans and lot decisions.

Pure functions over the standard's tables, which are kept below as data laid out like the
printed tables so a reviewer can hold them against the standard cell by cell:

* Table 1, sample size code letters by lot size and inspection level;
* Tables 2-A, 2-B and 2-C, single sampling plans for normal, tightened and reduced inspection:
  each cell holds "Ac/Re", or an arrow that means "use the first sampling plan below (↓) or
  above (↑) the arrow". Following an arrow changes the code letter, and with it the sample
  size: the plan is that letter's sample size with that letter's Ac and Re.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, TypedDict

AQLS: tuple[float, ...] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000,
)  # fmt: skip
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
DEFECT_CLASSES: tuple[str, ...] = ("critical", "major", "minor")

Decision = Literal["accept", "reject", "accept_reinstate_normal"]

# Table 1: (largest lot size of the range, code letters for S-1 S-2 S-3 S-4 I II III).
_TABLE_1: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),  # 500 001 and over
)

_LETTERS = "ABCDEFGHJKLMNPQR"
_NORMAL_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
# Reduced inspection samples are smaller; A, B and C all draw 2.
_REDUCED_SIZES = (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800)

SAMPLE_SIZES: dict[str, dict[str, int]] = {
    "normal": dict(zip(_LETTERS, _NORMAL_SIZES, strict=True)),
    # Letter S (3150) exists only in Table 2-B, as the target of arrows in row R.
    "tightened": {**dict(zip(_LETTERS, _NORMAL_SIZES, strict=True)), "S": 3150},
    "reduced": dict(zip(_LETTERS, _REDUCED_SIZES, strict=True)),
}

# Cells: "Ac/Re", "↓" / "↑" (use the first plan below / above), "-" (no entry in the table).
# Each table is printed in two halves to fit the line length; the headers are checked on load.
# Where the regular pattern would point off the table (row A, AQL 10: "↑" with nothing above;
# row R, AQL 0.015: "↓" with nothing below) the cell points the only way that has a plan.
_TABLE_2A = (
    """
   .010  .015  .025  .040  .065   .10   .15   .25   .40   .65
A     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
E     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
F     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
G     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
H     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
J     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2
K     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3
L     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4
M     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6
N     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8
P     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11
Q   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15
R     ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
""",
    """
    1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑
D     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑
E   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑     ↑
F     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
G     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
""",
)

_TABLE_2B = (
    """
   .010  .015  .025  .040  .065   .10   .15   .25   .40   .65
A     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
E     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
F     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
G     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
H     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓
J     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓
K     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2
L     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3
M     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4
N     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6
P     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9
Q     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13
R   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19
S     -   1/2   1/2     -     -     -     -     -     -     -
""",
    """
    1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A     ↓     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B     ↓     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C     ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑
D     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑
E     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ↑     ↑     ↑
F   0/1     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑
G     ↓     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H     ↓   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K   2/3   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L   3/4   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M   5/6   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N   8/9 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P 12/13 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 18/19     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
S     -     -     -     -     -     -     -     -     -     -     -     -     -     -     -     -
""",
)

# Reduced Ac/Re pairs leave a gap (0/2, 1/3, 1/4, ...): a count inside it accepts the lot but
# sends the next lots back to normal inspection.
_TABLE_2C = (
    """
   .010  .015  .025  .040  .065   .10   .15   .25   .40   .65
A     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
E     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
F     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
G     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
H     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
J     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2
K     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3
L     ↓     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4
M     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5
N     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6
P     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8
Q   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10
R     ↑     ↑   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13
""",
    """
    1.0   1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A     ↓     ↓     ↓     ↓   0/1     ↓     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17
B     ↓     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24
C     ↓     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑
D     ↓   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑     ↑
E   0/1     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ↑     ↑     ↑
F     ↑     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑
G     ↓   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K   1/4   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L   2/5   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M   3/6   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N   5/8  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P  7/10 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q 10/13     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
""",
)


class SamplingInputError(ValueError):
    """A bad argument; `field` names the parameter so an API can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SamplingPlan:
    lot_size: int
    aql: float
    level: str
    severity: str
    code_letter: str  # as looked up in Table 1
    plan_letter: str  # after following the arrows of Table 2
    plan_sample_size: int  # the table's n for plan_letter
    sample_size: int  # what to inspect: plan_sample_size, or the whole lot
    acceptance_number: int
    rejection_number: int
    inspect_all: bool
    note: str | None = None


class ClassVerdict(TypedDict):
    plan: SamplingPlan
    defects: int
    decision: Decision


class LotVerdict(TypedDict):
    decision: Decision
    sample_size: int
    classes: dict[str, ClassVerdict]


def _parse_half(text: str) -> tuple[list[float], dict[str, list[str]]]:
    header, *rows = [line.split() for line in text.strip("\n").splitlines()]
    return [float(aql) for aql in header], {row[0]: row[1:] for row in rows}


def _parse_table(halves: tuple[str, str]) -> dict[str, tuple[str, ...]]:
    columns: list[float] = []
    cells: dict[str, list[str]] = {}
    for half in halves:
        header, rows = _parse_half(half)
        columns += header
        for letter, row in rows.items():
            if len(row) != len(header):
                raise RuntimeError(f"sampling table row {letter} has {len(row)} cells")
            cells.setdefault(letter, []).extend(row)
    if columns != list(AQLS):
        raise RuntimeError("sampling table columns do not match the AQL series")
    return {letter: tuple(row) for letter, row in cells.items()}


_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "normal": _parse_table(_TABLE_2A),
    "tightened": _parse_table(_TABLE_2B),
    "reduced": _parse_table(_TABLE_2C),
}


def _aql_index(aql: float) -> int:
    for index, value in enumerate(AQLS):
        # Floats from a query string (0.1, .10, 1e-2) should match the printed series.
        if math.isclose(aql, value, rel_tol=1e-9):
            return index
    series = ", ".join(f"{value:g}" for value in AQLS)
    raise SamplingInputError("aql", f"aql must be one of the ISO 2859-1 series: {series}")


def _normalize_level(level: str) -> str:
    normalized = level.strip().upper()
    if normalized not in LEVELS:
        raise SamplingInputError("level", f"level must be one of {', '.join(LEVELS)}")
    return normalized


def _normalize_severity(severity: str) -> str:
    normalized = severity.strip().lower()
    if normalized not in SEVERITIES:
        raise SamplingInputError("severity", f"severity must be one of {', '.join(SEVERITIES)}")
    return normalized


def _check_lot_size(lot_size: int) -> None:
    # Table 1 starts at 2; a "lot" of one item is simply inspected.
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 2:
        raise SamplingInputError("lot_size", "lot_size must be an integer >= 2")


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table 1: the sample size code letter for a lot size and inspection level."""
    _check_lot_size(lot_size)
    column = LEVELS.index(_normalize_level(level))
    for upper, letters in _TABLE_1:
        if upper is None or lot_size <= upper:
            return letters[column]
    raise AssertionError("Table 1 has an open-ended last row")


def _resolve(severity: str, letter: str, column: int) -> tuple[str, int, int]:
    """Follow arrows from (letter, column) to the first plan in that direction."""
    table = _TABLES[severity]
    rows = list(table)
    index = rows.index(letter)
    step = {"↓": 1, "↑": -1}.get(table[letter][column], 0)
    while table[rows[index]][column] in ("↓", "↑", "-"):
        index += step
        if step == 0 or not 0 <= index < len(rows):
            raise LookupError(f"no {severity} plan for letter {letter} at column {column}")
    acceptance, rejection = table[rows[index]][column].split("/")
    return rows[index], int(acceptance), int(rejection)


def sampling_plan(
    lot_size: int, aql: float, level: str = "II", severity: str = "normal"
) -> SamplingPlan:
    """The single sampling plan for a lot, with the Table 2 arrows already followed."""
    _check_lot_size(lot_size)
    column = _aql_index(aql)
    level = _normalize_level(level)
    severity = _normalize_severity(severity)
    letter = code_letter(lot_size, level)
    plan_letter, acceptance, rejection = _resolve(severity, letter, column)
    plan_size = SAMPLE_SIZES[severity][plan_letter]
    # The standard: if the sample size equals or exceeds the lot size, inspect every item.
    inspect_all = plan_size >= lot_size
    note = None
    if inspect_all:
        note = (
            f"the plan's sample size {plan_size} is not smaller than the lot size "
            f"{lot_size}: inspect every item (100 % inspection)"
        )
    return SamplingPlan(
        lot_size=lot_size,
        aql=AQLS[column],
        level=level,
        severity=severity,
        code_letter=letter,
        plan_letter=plan_letter,
        plan_sample_size=plan_size,
        sample_size=lot_size if inspect_all else plan_size,
        acceptance_number=acceptance,
        rejection_number=rejection,
        inspect_all=inspect_all,
        note=note,
    )


def decide(plan: SamplingPlan, defects: int) -> Decision:
    """Accept when defects <= Ac, reject when defects >= Re.

    Only reduced plans leave a gap between Ac and Re; a count inside it accepts this lot but
    reinstates normal inspection for the next ones.
    """
    if isinstance(defects, bool) or not isinstance(defects, int) or defects < 0:
        raise SamplingInputError("defects", "defects must be an integer >= 0")
    if defects <= plan.acceptance_number:
        return "accept"
    if defects >= plan.rejection_number:
        return "reject"
    return "accept_reinstate_normal"


def _worst(decisions: list[Decision]) -> Decision:
    if "reject" in decisions:
        return "reject"
    if "accept_reinstate_normal" in decisions:
        return "accept_reinstate_normal"
    return "accept"


def decide_by_class(
    lot_size: int, level: str, severity: str, classes: dict[str, tuple[float, int]]
) -> LotVerdict:
    """One plan and decision per class of defects; any rejecting class rejects the lot.

    Each class keeps its own plan (its own n, Ac, Re). The classes' sample sizes usually
    differ, so we draw the largest one once and judge each class on the first n items of it
    (its own sample size): every item is drawn at random, so any first n of them is a random
    sample too, and nobody has to draw twice. (The standard also allows the alternative of
    using the largest sample's code letter for every class; that changes the Ac/Re, so we do
    not do it implicitly.)
    """
    if not classes:
        raise SamplingInputError("classes", "classes must name at least one class of defects")
    unknown = sorted(set(classes) - set(DEFECT_CLASSES))
    if unknown:
        raise SamplingInputError(
            "classes", f"unknown defect class {unknown[0]!r}; use {', '.join(DEFECT_CLASSES)}"
        )
    verdicts: dict[str, ClassVerdict] = {}
    for name, (aql, defects) in classes.items():
        plan = sampling_plan(lot_size, aql, level, severity)
        verdicts[name] = {"plan": plan, "defects": defects, "decision": decide(plan, defects)}
    return {
        "decision": _worst([verdict["decision"] for verdict in verdicts.values()]),
        "sample_size": max(verdict["plan"].sample_size for verdict in verdicts.values()),
        "classes": verdicts,
    }
