"""Which records of a history are declared erroneous, and by which record (design §2.10).

The rule is ``service.corrections.declarations``'s, which the offline verifier applies too:
a declaration counts only if it is intact and names, by ``n`` and digest, an earlier record
of the same actor. The declared record keeps its verdict (it is what was recorded); it is
marked, and so are the declaration and the corrective records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from service.corrections.declarations import HistoryEntry, read_corrections
from service.corrections.repository import ERROR_DECLARATION
from service.db.models import Record
from service.verdicts.schemas import ErrorDeclarationRef, RecordVerdict, RecordVerification


def attach_corrections(records: Sequence[Record], results: Sequence[RecordVerification]) -> None:
    """Fill ``declared_erroneous``, ``declares`` and ``corrects`` on ``results``."""
    # The type column only decides whether to look at all: most histories hold no
    # declaration, and their records are then not parsed a second time.
    if not any(record.event_type == ERROR_DECLARATION for record in records):
        return
    entries = [
        HistoryEntry(
            n=result.n,
            digest=result.digest,
            record=_content(record),
            intact=result.verdict != RecordVerdict.tampered,
        )
        for record, result in zip(records, results, strict=True)
    ]
    corrections = read_corrections(entries)
    by_n = {result.n: result for result in results}
    for declaration in corrections.by_declared.values():
        ref = ErrorDeclarationRef(
            declared_n=declaration.declared_n,
            declaration_n=declaration.declaration_n,
            declared_at=declaration.declared_at,
            reason=declaration.reason,
            corrective_n=list(declaration.corrective_n),
        )
        by_n[declaration.declared_n].declared_erroneous = ref
        by_n[declaration.declaration_n].declares = ref
    for corrective_n, declared in corrections.corrects.items():
        by_n[corrective_n].corrects = sorted(declared)


def _content(record: Record) -> dict[str, Any] | None:
    if record.content is None:
        return None
    try:
        content = json.loads(record.content)
    except ValueError:
        return None
    return content if isinstance(content, dict) else None
