"""When an error declaration holds: the one rule, read from records alone (docs/design.md §2.10).

Pure (no database, no web app), so that the service's verdicts (``service.verdicts``) and the
offline verifier (``service.bundlecheck``) read a history's corrections the same way. The
event members read here are written by ``service.records.epcis.error_declaration_event``;
``tests/unit/test_corrections_declarations.py`` pins the two together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

RECORD_URN = "urn:lotproof:record:"  # + a record's digest, edge form (``record_urn``)
REASONS = ("did_not_occur", "incorrect_data")  # CBV 2.0 error reasons


@dataclass(frozen=True)
class HistoryEntry:
    """One record of a history, as a verifier sees it after its own checks."""

    n: int
    digest: str  # edge form; recomputed from the content wherever there is content
    record: Mapping[str, Any] | None  # None: redacted or unreadable
    intact: bool  # passed its own checks (not tampered)


@dataclass(frozen=True)
class Declaration:
    """Record ``declaration_n`` declares record ``declared_n`` erroneous."""

    declaration_n: int
    declared_n: int
    declared_digest: str
    declared_at: datetime
    reason: str
    corrective: tuple[str, ...]  # the corrective records' digests, as written
    corrective_n: tuple[int, ...] = ()  # filled in once the digests are found in the history


@dataclass
class Corrections:
    """What a history's declarations say, once checked."""

    by_declared: dict[int, Declaration] = field(default_factory=dict)
    by_declaration: dict[int, Declaration] = field(default_factory=dict)
    corrects: dict[int, list[int]] = field(default_factory=dict)  # corrective n -> declared ns
    refused: dict[int, str] = field(default_factory=dict)  # declaration n -> why not honoured


class _NotHonoured(Exception):
    pass


def is_declaration(record: Mapping[str, Any] | None) -> bool:
    event = record.get("event") if record is not None else None
    return isinstance(event, dict) and "errorDeclaration" in event


def parse_declaration(n: int, record: Mapping[str, Any]) -> Declaration:
    """The declaration record ``n`` makes; ValueError when it is not well formed."""
    event = record.get("event")
    declares = event.get("lp:declares") if isinstance(event, dict) else None
    error = event.get("errorDeclaration") if isinstance(event, dict) else None
    if not isinstance(declares, dict) or not isinstance(error, dict):
        raise ValueError("lp:declares and errorDeclaration must be objects")
    declared_n, digest = declares.get("n"), declares.get("digest")
    if not isinstance(declared_n, int) or isinstance(declared_n, bool) or declared_n < 0:
        raise ValueError("lp:declares.n is not a record number")
    if not isinstance(digest, str):
        raise ValueError("lp:declares.digest is not a digest")
    if error.get("reason") not in REASONS:
        raise ValueError(f"errorDeclaration.reason is not one of {', '.join(REASONS)}")
    ids = error.get("correctiveEventIDs", [])
    if not isinstance(ids, list) or not all(
        isinstance(i, str) and i.startswith(RECORD_URN) for i in ids
    ):
        raise ValueError(f"errorDeclaration.correctiveEventIDs must be {RECORD_URN}... URNs")
    try:
        declared_at = datetime.fromisoformat(error["declarationTime"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError("errorDeclaration.declarationTime is not a time") from e
    corrective = tuple(i.removeprefix(RECORD_URN) for i in ids)
    return Declaration(n, declared_n, digest, declared_at, error["reason"], corrective)


def read_corrections(entries: Sequence[HistoryEntry]) -> Corrections:
    """Every declaration of a history, honoured or refused (with why), in recording order.

    A declaration holds when it is intact and well formed, names by ``n`` and digest an
    earlier intact record that is not a declaration and was recorded by the same actor, that
    record is not declared already (the first declaration wins), and each corrective record it
    names is an intact record of the same history and actor, after the declared one and before
    the declaration.
    """
    found = Corrections()
    by_n = {entry.n: entry for entry in entries}
    by_digest = {entry.digest: entry for entry in entries}
    for entry in entries:
        if not is_declaration(entry.record):
            continue
        try:
            declaration = _honoured(entry, by_n, by_digest, found)
        except _NotHonoured as e:
            found.refused[entry.n] = str(e)
            continue
        found.by_declared[declaration.declared_n] = declaration
        found.by_declaration[entry.n] = declaration
        for corrective in declaration.corrective_n:
            found.corrects.setdefault(corrective, []).append(declaration.declared_n)
    return found


def _honoured(
    entry: HistoryEntry,
    by_n: Mapping[int, HistoryEntry],
    by_digest: Mapping[str, HistoryEntry],
    found: Corrections,
) -> Declaration:
    assert entry.record is not None  # is_declaration
    if not entry.intact:
        raise _NotHonoured("the declaration itself fails its checks")
    try:
        declaration = parse_declaration(entry.n, entry.record)
    except ValueError as e:
        raise _NotHonoured(f"malformed: {e}") from e
    actor = entry.record.get("actor")
    declared = by_n.get(declaration.declared_n)
    if declared is None or declaration.declared_n >= entry.n:
        raise _NotHonoured(f"no earlier record n={declaration.declared_n}")
    if declared.digest != declaration.declared_digest or not declared.intact:
        raise _NotHonoured(f"n={declared.n} is not the record it declares (digest differs)")
    if declared.record is None or is_declaration(declared.record):
        raise _NotHonoured(f"n={declared.n} cannot be declared (erased, or a declaration)")
    if declared.record.get("actor") != actor:
        raise _NotHonoured(f"n={declared.n} was recorded by another actor")
    earlier = found.by_declared.get(declared.n)
    if earlier is not None:
        raise _NotHonoured(f"n={declared.n} was declared already by n={earlier.declaration_n}")
    corrective_n = []
    for digest in declaration.corrective:
        corrective = by_digest.get(digest)
        if corrective is None or not declared.n < corrective.n < entry.n:
            raise _NotHonoured(f"corrective record {digest[:10]}... is not between them")
        record = corrective.record
        usable = corrective.intact and record is not None and not is_declaration(record)
        if not usable or record is None or record.get("actor") != actor:
            raise _NotHonoured(f"corrective n={corrective.n} is not an event of the same actor")
        corrective_n.append(corrective.n)
    return replace(declaration, corrective_n=tuple(corrective_n))
