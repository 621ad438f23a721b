from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class AnchorRead(BaseModel):
    """A public anchor: with ``leaves`` anyone can recompute ``root`` and check it on chain."""

    index: int
    root: str
    leaf_count: int
    leaves: list[str]
    tx_hash: str | None
    block_number: int | None
    timestamp: datetime | None
    final: bool
    contract_address: str
    chain_id: int


class AnchorPage(BaseModel):
    items: list[AnchorRead]
    next_cursor: int | None


class AnchoringStatus(BaseModel):
    """How far anchoring is behind: part of /readyz, without deciding readiness (an instance
    whose records wait for the chain still accepts and serves them)."""

    state: Literal["ok", "stalled"]
    pending_records: int
    oldest_pending_age_s: float | None
