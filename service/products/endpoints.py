from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.deps import CurrentOrg, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent
from service.products import service
from service.products.schemas import ProductCategoryPut, ProductCreate, ProductRead

router = APIRouter(prefix="/api/v1/products", tags=["products"])


@router.post("", status_code=201, response_model=ProductRead)
def create_product(
    body: ProductCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=lambda: ProductRead.model_validate(service.create_product(session, org, body)),
    )


@router.get("/{product_id}", response_model=ProductRead)
def get_product(product_id: RowId, session: DbSession) -> ProductRead:
    return ProductRead.model_validate(service.get_product(session, product_id))


@router.put("/{product_id}/category", response_model=ProductRead)
def set_product_category(
    product_id: RowId, body: ProductCategoryPut, org: CurrentOrg, session: DbSession
) -> ProductRead:
    """Admins file a product under a category; its certificate rules and alert thresholds
    apply to the product's batches from then on."""
    return ProductRead.model_validate(service.set_category(session, org, product_id, body.category))
