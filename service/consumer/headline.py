"""The one verdict a shopper reads first: integrity and status combined, in a fixed order.

A page can be true in every line and still mislead if a green "Authentic" stands above "On
hold". So the page leads with exactly one headline, the most serious state that applies, in
this precedence (docs/tutorials/consumer.md):

    tampered > recalled > on hold > suspect copy > supplier suspended > pending > authentic

Each headline comes with what to do about it (catalogue keys ``headline.<kind>.title`` and
``headline.<kind>.action``); the integrity fact (what the records prove) is shown beneath it,
whatever the headline.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from service.verdicts.schemas import BatchVerdict


class Headline(StrEnum):
    tampered = "tampered"
    recalled = "recalled"
    on_hold = "on_hold"
    suspect_copy = "suspect_copy"
    supplier_suspended = "supplier_suspended"
    pending = "pending"
    authentic = "authentic"


# Most serious first: the first that applies is the headline.
PRECEDENCE: tuple[Headline, ...] = tuple(Headline)


class Situation(BaseModel):
    """Everything the headline depends on (and nothing else)."""

    verdict: BatchVerdict
    recalled: bool
    on_hold: bool
    suspect_copy: bool
    supplier_suspended: bool


def _applies(headline: Headline, s: Situation) -> bool:
    match headline:
        case Headline.tampered:
            return s.verdict == BatchVerdict.tampered
        case Headline.recalled:
            return s.recalled
        case Headline.on_hold:
            return s.on_hold
        case Headline.suspect_copy:
            return s.suspect_copy
        case Headline.supplier_suspended:
            return s.supplier_suspended
        case Headline.pending:
            return s.verdict == BatchVerdict.pending
        case Headline.authentic:
            return True


def headline(situation: Situation) -> Headline:
    """The most serious headline that applies (``authentic`` when nothing else does)."""
    return next(h for h in PRECEDENCE if _applies(h, situation))
