from __future__ import annotations

from fastapi import APIRouter

from service.custody.schemas import CustodyChain
from service.custody.service import custody_chain
from service.deps import DbSession, RowId

router = APIRouter(prefix="/api/v1/batches", tags=["custody"])


@router.get("/{batch_id}/custody", response_model=CustodyChain)
def get_custody(batch_id: RowId, session: DbSession) -> CustodyChain:
    """Who held the batch when and where, from its shipping and receiving records."""
    return custody_chain(session, batch_id)
