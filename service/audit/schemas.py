from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.text import SafeText
from service.verdicts.schemas import (
    ActorKind,
    BatchVerdict,
    ErrorDeclarationRef,
    RecordVerdict,
    SignedBy,
)

BUNDLE_FORMAT = "lotproof-bundle/1"


class AuditAnchor(BaseModel):
    index: int
    root: str
    tx_hash: str | None
    block_number: int | None
    block_time: datetime | None
    # Blocks mined on top of the anchor's block, as last seen by the worker (None: unknown).
    confirmations: int | None
    final: bool


class AuditRecord(BaseModel):
    n: int
    record: dict[str, Any] | None  # the record itself (docs/design.md §2); None once redacted
    digest: str  # recomputed from ``record`` (the stored digest only for redacted records)
    prev: str | None
    verdict: RecordVerdict
    reason: str | None
    redacted: bool
    anchor: AuditAnchor | None
    proof: list[str]
    signed_by: SignedBy | None = None
    signature_missing: bool = False
    # Corrections (design §2.10): declared erroneous by its actor (it stays, struck through),
    # the declaration it is, the records it corrects.
    declared_erroneous: ErrorDeclarationRef | None = None
    declares: ErrorDeclarationRef | None = None
    corrects: list[int] = []
    # Who acted (design §2.9): the record's actor is its slug; people read the name.
    actor_kind: ActorKind = "organisation"
    actor_name: str | None = None


class ChainCheck(BaseModel):
    """The batch's own hash chain: n continuous from 0 and every prev matching."""

    continuous: bool
    links_ok: bool
    problems: list[str]


class AuditPage(BaseModel):
    batch_id: int
    gtin: str
    lot: str
    verdict: BatchVerdict
    chain_check: ChainCheck
    items: list[AuditRecord]
    next_cursor: int | None


class OrgAuditPage(BaseModel):
    """An organisation's own history (record format v2), like a batch's audit trail."""

    org_id: int
    slug: str
    name: str  # the slug is what records name; the name is what people read
    verdict: BatchVerdict
    chain_check: ChainCheck
    items: list[AuditRecord]
    next_cursor: int | None


class BundleRecord(BaseModel):
    n: int
    record: dict[str, Any] | None
    redacted: bool
    digest: str
    anchor_index: int | None
    proof: list[str]


class BundleAnchor(BaseModel):
    index: int
    root: str
    leaf_count: int
    tx_hash: str | None
    block_number: int | None


class BundleBatch(BaseModel):
    gtin: str
    lot: str
    product_name: str
    owner: str
    record_count: int


class Bundle(BaseModel):
    """Everything an inspector needs to check a batch against the chain alone."""

    format: str = BUNDLE_FORMAT
    generated_at: datetime
    chain_id: int | None
    contract: str | None
    batch: BundleBatch
    records: list[BundleRecord]
    anchors: list[BundleAnchor]


class RedactionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SafeText = Field(min_length=3, max_length=500)
