"""What a check concludes: a verdict per record and one outcome for the bundle (design §9.3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    verified = "verified"
    pending = "pending"
    tampered = "tampered"
    redacted = "redacted"


class Outcome(StrEnum):
    authentic = "authentic"  # at least one record, every one verified or redacted
    pending = "pending"  # some not anchored yet (or no records at all), none tampered
    tampered = "tampered"  # a record or the batch chain fails a check
    invalid = "invalid"  # not a well-formed bundle
    refused = "refused"  # bundle is for another chain or contract than the one asked
    unreachable = "unreachable"  # the chain did not answer


@dataclass(frozen=True)
class RecordResult:
    n: int
    type: str  # the event's bizStep, or "redacted"
    digest: str  # shortened, for display
    anchor_index: int | None
    verdict: Verdict
    reason: str = ""
    # Corrections (docs/design.md §2.10): declared erroneous by its actor, a declaration, a
    # corrective record, or a declaration that does not hold. Says nothing of integrity.
    correction: str = ""


@dataclass(frozen=True)
class BundleReport:
    outcome: Outcome
    results: tuple[RecordResult, ...] = ()
    problems: tuple[str, ...] = ()  # batch-level findings (counts, chain breaks)
    message: str = ""  # why the bundle was refused, not checked, or proves nothing


def outcome_of(results: Sequence[RecordResult], problems: Sequence[str]) -> Outcome:
    """Tampered beats pending beats authentic; no records prove nothing, so never authentic.

    The same order as the service's own ``service.verdicts.service.batch_verdict``.
    """
    verdicts = {r.verdict for r in results}
    if problems or Verdict.tampered in verdicts:
        return Outcome.tampered
    if Verdict.pending in verdicts or not results:
        return Outcome.pending
    return Outcome.authentic
