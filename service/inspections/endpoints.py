from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.errors import InvalidInput
from service.inspections import sampling
from service.inspections.schemas import MAX_LOT_SIZE, SamplingPlanRead

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])


@router.get("/sampling-plan", response_model=SamplingPlanRead)
def get_sampling_plan(
    lot_size: Annotated[int, Query(le=MAX_LOT_SIZE, description="Number of items in the lot")],
    aql: Annotated[float, Query(description="Acceptance quality limit, e.g. 1.0 or 2.5")],
    level: Annotated[str, Query(description="I, II, III or S-1 to S-4")] = "II",
    severity: Annotated[str, Query(description="normal, tightened or reduced")] = "normal",
) -> SamplingPlanRead:
    # Public on purpose: the tables are published standards, nothing here is anyone's data.
    try:
        plan = sampling.sampling_plan(lot_size, aql, level, severity)
    except sampling.SamplingInputError as error:
        raise InvalidInput(str(error), field=error.field) from error
    return SamplingPlanRead.model_validate(plan)
