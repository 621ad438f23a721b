"""``GET /api/v1/orgs/{id}/scorecard``: thin route over the scorecard service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.db.base import utcnow
from service.deps import CurrentOrg, DbSession, RowId
from service.scorecard import service
from service.scorecard.schemas import FormulaName, ScorecardRead

router = APIRouter(prefix="/api/v1/orgs", tags=["scorecard"])


def get_now() -> datetime:
    """The clock that ends the default window; tests can override it."""
    return utcnow()


@router.get("/{org_id}/scorecard", response_model=ScorecardRead, summary="Supplier scorecard")
def get_scorecard(
    org_id: RowId,
    session: DbSession,
    viewer: CurrentOrg,
    now: Annotated[datetime, Depends(get_now)],
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    formula_name: Annotated[FormulaName, Query(alias="formula")] = FormulaName.v2,
) -> ScorecardRead:
    """The formula (default ``lotproof-scorecard/2``) over the window, with the ids behind
    each part. ``?formula=lotproof-scorecard/1`` recomputes a score of the earlier formula."""
    org = service.get_scorecard_org(session, viewer, org_id)
    window_start, window_end = service.resolve_window(start, end, now)
    return service.build_scorecard(session, org, window_start, window_end, formula_name.value)
