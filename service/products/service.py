from __future__ import annotations

from sqlalchemy.orm import Session

from service.db.models import Organization, OrgRole, Product
from service.errors import Conflict, Forbidden, NotFound
from service.products.repository import ProductRepository
from service.products.schemas import ProductCreate


def create_product(session: Session, org: Organization, data: ProductCreate) -> Product:
    """Register a product; its GTIN belongs to the creating supplier from then on."""
    if org.role != OrgRole.supplier:
        raise Forbidden("only suppliers register products")
    repo = ProductRepository(session)
    if repo.get_by_gtin(data.gtin) is not None:
        raise Conflict(f"GTIN {data.gtin} is already registered", field="gtin")
    product = Product(
        owner_org_id=org.id, gtin=data.gtin, name=data.name, description=data.description
    )
    repo.add(product)
    return product


def get_product(session: Session, product_id: int) -> Product:
    product = ProductRepository(session).get_by_id(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return product
