from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

# Who really acted on a record (design §2.9).
ActorKind = Literal["organisation", "public", "service"]


class RecordVerdict(StrEnum):
    verified = "verified"
    pending = "pending"
    tampered = "tampered"
    redacted = "redacted"


class BatchVerdict(StrEnum):
    authentic = "authentic"
    pending = "pending"
    tampered = "tampered"


class AnchorRef(BaseModel):
    index: int
    root: str
    tx_hash: str | None
    block_number: int | None
    timestamp: datetime | None


class SignedBy(BaseModel):
    org: str
    address: str


class ErrorDeclarationRef(BaseModel):
    """Record ``declared_n`` was declared erroneous by its actor in record ``declaration_n``
    (EPCIS 2.0 error declaration, docs/design.md §2.10); records ``corrective_n`` correct it."""

    declared_n: int
    declaration_n: int
    declared_at: datetime
    reason: str  # CBV error reason: incorrect_data or did_not_occur
    corrective_n: list[int] = []


class RecordVerification(BaseModel):
    n: int
    type: str
    event_time: datetime
    location: str | None
    actor: str | None
    # Who really acted (design §2.9): an organisation (``actor`` is its slug), a member of the
    # public or the service; older records are read from their content
    # (service/verdicts/actors.py). ``actor_name``: the organisation's display name, for people.
    actor_kind: ActorKind = "organisation"
    actor_name: str | None = None
    # Inspections only: whether the actor is independent of the supplier (an inspector or the
    # platform) or the supplier inspecting its own lot (service/custody/rules.is_independent).
    independent_inspection: bool | None = None
    time_zone_offset: str | None = None
    details: dict[str, Any] | None = None
    # "pass"/"fail": computed sampling decision, else what the inspector reported.
    inspection_result: str | None = None
    signed_by: SignedBy | None = None
    # The actor requires signatures on its records and this one has none (yet).
    signature_missing: bool = False
    digest: str  # recomputed from the stored record, not read from a column
    verdict: RecordVerdict
    reason: str | None = None
    anchor: AnchorRef | None
    proof: list[str]
    # Corrections (docs/design.md §2.10): on a record its actor declared erroneous (it stays,
    # shown struck through), on the declaration record itself, and on a corrective record
    # the n of the records it corrects.
    declared_erroneous: ErrorDeclarationRef | None = None
    declares: ErrorDeclarationRef | None = None
    corrects: list[int] = []
    # The event as recorded (None when erased), for readers that show what a record found
    # (a temperature, an alert's numbers); not serialised, since every answer already says it.
    event: dict[str, Any] | None = Field(default=None, exclude=True)


class BatchVerification(BaseModel):
    verdict: BatchVerdict
    records: list[RecordVerification]
    # Breaks in the batch's own n/prev chain (a deleted, inserted or reordered record).
    chain_problems: list[str] = []
