"""The report an inspector reads: one row per record, batch problems, a summary line."""

from __future__ import annotations

from service.bundlecheck.verdict import BundleReport, Verdict

_COLUMNS = ("n", "type", "digest", "anchor", "verdict", "reason")


def format_report(report: BundleReport) -> str:
    """A plain-text table, one row per record, then batch problems and a one-line summary."""
    rows: list[tuple[str, ...]] = [
        (str(r.n), r.type, r.digest, _anchor_cell(r.anchor_index), r.verdict.value, r.reason)
        for r in report.results
    ]
    columns: tuple[str, ...] = _COLUMNS
    if any(r.correction for r in report.results):  # a column only for bundles with corrections
        columns = (*_COLUMNS, "correction")
        rows = [(*row, r.correction) for row, r in zip(rows, report.results, strict=True)]
    lines = _table(columns, rows) if rows else []
    lines += [f"problem: {p}" for p in report.problems]
    lines.append(_summary(report))
    return "\n".join(lines)


def _anchor_cell(index: int | None) -> str:
    return "-" if index is None else str(index)


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[c]) for row in [columns, *rows]) for c in range(len(columns))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

    return [line(columns), line(tuple("-" * w for w in widths)), *map(line, rows)]


def _summary(report: BundleReport) -> str:
    head = report.outcome.value.upper()
    if report.message:
        return f"{head}: {report.message}"
    counts = {v: sum(r.verdict is v for r in report.results) for v in Verdict}
    detail = ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v])
    corrected = sum(r.correction.startswith("corrected") for r in report.results)
    also = f"; {corrected} declared erroneous by their actor" if corrected else ""
    return f"{head}: {len(report.results)} records ({detail or 'none'}){also}"
