"""An error declaration as a client posts it, and the answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.db.base import MAX_ROW_ID
from service.records.schemas import EventRead

MAX_CORRECTIVE = 10


class ErrorReason(StrEnum):
    """CBV 2.0 error reasons (the only two the standard defines)."""

    did_not_occur = "did_not_occur"
    incorrect_data = "incorrect_data"


class ErrorDeclarationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ErrorReason
    # The records (n, in the same batch) that correct the declared one: events the declaring
    # organisation recorded after it, through the events API as usual.
    corrective_n: list[Annotated[int, Field(ge=0, le=MAX_ROW_ID)]] = Field(
        default_factory=list, max_length=MAX_CORRECTIVE
    )


class ErrorDeclarationRead(EventRead):
    """The declaration record, and what it declares."""

    declares: int  # n of the declared record
    declared_digest: str
    reason: ErrorReason
    corrective_n: list[int]
