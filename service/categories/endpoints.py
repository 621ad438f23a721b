"""Product categories: admins set them up, every organisation may read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from service.categories import service
from service.categories.schemas import (
    CATEGORY_NAME_PATTERN,
    CategoryList,
    CategoryPut,
    CategoryRead,
)
from service.deps import CurrentOrg, CurrentSettings, DbSession

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])

CategoryName = Annotated[str, Path(pattern=CATEGORY_NAME_PATTERN, examples=["tea"])]


@router.put(
    "/{name}",
    response_model=CategoryRead,
    responses={201: {"model": CategoryRead, "description": "Created"}},
    summary="Create or replace a category (admin)",
)
def put_category(
    name: CategoryName,
    body: CategoryPut,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
) -> JSONResponse:
    """Certificates its suppliers must hold, and its quality-alert thresholds; 201 if new."""
    category, created = service.put_category(session, org, name, body)
    read = service.category_read(session, settings, category)
    return JSONResponse(read.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("", response_model=CategoryList)
def list_categories(org: CurrentOrg, session: DbSession, settings: CurrentSettings) -> CategoryList:
    return service.list_categories(session, settings)


@router.get("/{name}", response_model=CategoryRead)
def get_category(
    name: str, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> CategoryRead:
    return service.category_read(session, settings, service.get_category(session, name))
