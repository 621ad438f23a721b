"""Corrections in a bundle (docs/design.md §2.10): which records their actor declared
erroneous, by which record, and which records correct them.

A declared record stays what it is, verified if its checks pass: it is reported as corrected,
not tampered. The rule of when a declaration holds is ``service.corrections.declarations``,
the same the service's own verdicts apply; a declaration that does not hold changes nothing
and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from service.bundlecheck.verdict import RecordResult, Verdict
from service.corrections.declarations import HistoryEntry, read_corrections


def note_corrections(
    entries: Sequence[dict[str, Any]], results: tuple[RecordResult, ...]
) -> tuple[RecordResult, ...]:
    """``results`` (one per entry, in order) with their ``correction`` notes."""
    history = [
        HistoryEntry(
            n=entry["n"],
            digest=entry["digest"],
            record=entry["record"],
            intact=result.verdict is not Verdict.tampered,
        )
        for entry, result in zip(entries, results, strict=True)
    ]
    corrections = read_corrections(history)
    notes: dict[int, list[str]] = {}
    for declared_n, declaration in corrections.by_declared.items():
        corrected_by = ", ".join(f"n={n}" for n in declaration.corrective_n) or "none given"
        notes.setdefault(declared_n, []).append(
            f"corrected: declared erroneous ({declaration.reason}) by "
            f"n={declaration.declaration_n}; corrective: {corrected_by}"
        )
        notes.setdefault(declaration.declaration_n, []).append(
            f"declares n={declared_n} erroneous ({declaration.reason})"
        )
    for corrective_n, declared in corrections.corrects.items():
        notes.setdefault(corrective_n, []).append(
            "corrects " + ", ".join(f"n={n}" for n in sorted(declared))
        )
    for declaration_n, why in corrections.refused.items():
        notes.setdefault(declaration_n, []).append(f"declaration not honoured: {why}")
    # Entries are keyed by n here; a bundle numbering two entries alike is tampered already.
    return tuple(
        replace(result, correction="; ".join(notes[result.n])) if result.n in notes else result
        for result in results
    )
