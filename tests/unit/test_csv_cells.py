"""Every CSV cell the service writes is safe to open in a spreadsheet (issue 18 finding 8).

The rule (OWASP CSV injection): a cell starting with = + - @ TAB or CR, also after leading
whitespace, gets a leading single quote; only real numbers in declared numeric columns keep
a leading sign. And no module of service/ writes CSV except through the one writer.
"""

from __future__ import annotations

import ast
import csv
import io
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from service.documents.csv_writer import neutralise, write_csv

SERVICE = Path(__file__).resolve().parents[2] / "service"
WRITER = SERVICE / "documents" / "csv_writer.py"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("\u00a0\u3000@x", "'\u00a0\u3000@x"),
        ("\n-1", "'\n-1"),
        ("Green tea", "Green tea"),
        ("a=1", "a=1"),
        ("", ""),
        ("'=1", "'=1"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


class TestWriter:
    def test_every_text_cell_is_neutralised_numbers_only_in_numeric_columns(self) -> None:
        out = write_csv(
            ["id", "qty", "lot", "note"],
            [
                {"id": 7, "qty": -1.5, "lot": '=HYPERLINK("x")', "note": "-3"},
                {"id": Decimal("-2"), "qty": "-1", "lot": None, "note": 4},
                {"id": True, "qty": 0.1 + 0.2, "lot": '"q", x\r\ny', "note": "+1"},
            ],
            numeric={"id", "qty"},
        )
        assert out.endswith("\r\n")
        assert rows_of(out) == [
            ["id", "qty", "lot", "note"],
            ["7", "-1.5", '\'=HYPERLINK("x")', "'-3"],
            ["-2", "'-1", "", "4"],  # a string is never trusted as a number
            ["True", "0.3", '"q", x\r\ny', "'+1"],
        ]

    def test_a_row_with_other_columns_or_an_unknown_numeric_column_is_refused(self) -> None:
        with pytest.raises(ValueError, match="expected"):
            write_csv(["a", "b"], [{"a": 1}])
        with pytest.raises(ValueError, match="not among the columns"):
            write_csv(["a"], [], numeric={"b"})


def csv_writes(source: str, where: str) -> list[str]:
    """Each ``csv.writer``/``csv.DictWriter`` use in ``source``, as "file:line"."""
    return [
        f"{where}:{node.lineno}"
        for node in ast.walk(ast.parse(source))
        if (isinstance(node, ast.Attribute) and node.attr in {"writer", "DictWriter"})
        or (isinstance(node, ast.alias) and node.name in {"writer", "DictWriter"})
    ]


class TestNoOtherWriter:
    def test_the_checker_finds_each_writer(self) -> None:
        bad = textwrap.dedent(
            """
            import csv
            from csv import DictWriter
            csv.writer(out).writerow(row)
            csv.DictWriter(out, fieldnames=f)
            """
        )
        assert len(csv_writes(bad, "bad.py")) == 3
        assert csv_writes("import csv\ncsv.DictReader(f)", "good.py") == []

    def test_only_the_one_writer_writes_csv(self) -> None:
        found = []
        for path in sorted(SERVICE.rglob("*.py")):
            if path != WRITER:
                found += csv_writes(path.read_text(), str(path.relative_to(SERVICE.parent)))
        assert found == []
