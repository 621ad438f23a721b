from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.anchoring import service
from service.anchoring.schemas import AnchorPage, AnchorRead
from service.deps import MAX_ROW_ID, DbSession

router = APIRouter(prefix="/api/v1/anchors", tags=["anchors"])


@router.get("", response_model=AnchorPage)
def list_anchors(
    session: DbSession,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="index of the last anchor seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AnchorPage:
    return service.list_anchors(session, cursor=cursor, limit=limit)


@router.get("/{index}", response_model=AnchorRead)
def get_anchor(index: Annotated[int, Path(ge=0, le=MAX_ROW_ID)], session: DbSession) -> AnchorRead:
    return service.get_anchor(session, index)
