from __future__ import annotations

from fastapi import APIRouter

from service.batches.service import get_readable_batch
from service.custody.schemas import CustodyChain
from service.custody.service import custody_chain
from service.deps import CurrentOrg, DbSession, RowId

router = APIRouter(prefix="/api/v1/batches", tags=["custody"])


@router.get("/{batch_id}/custody", response_model=CustodyChain)
def get_custody(batch_id: RowId, org: CurrentOrg, session: DbSession) -> CustodyChain:
    """Who held the batch when and where, from its shipping and receiving records."""
    get_readable_batch(session, org, batch_id)
    return custody_chain(session, batch_id)
