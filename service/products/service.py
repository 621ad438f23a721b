from __future__ import annotations

from sqlalchemy.orm import Session

from service.categories.repository import CategoryRepository
from service.db.models import Organization, OrgRole, Product
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.products.repository import ProductRepository
from service.products.schemas import ProductCreate


def create_product(session: Session, org: Organization, data: ProductCreate) -> Product:
    """Register a product; its GTIN belongs to the creating supplier from then on."""
    if org.role != OrgRole.supplier:
        raise Forbidden("only suppliers register products")
    repo = ProductRepository(session)
    if repo.get_by_gtin(data.gtin) is not None:
        raise Conflict(f"GTIN {data.gtin} is already registered", field="gtin")
    _require_category(session, data.category)
    product = Product(
        owner_org_id=org.id,
        gtin=data.gtin,
        name=data.name,
        description=data.description,
        category=data.category,
        storage_min_c=data.storage_min_c,
        storage_max_c=data.storage_max_c,
    )
    repo.add(product)
    return product


def get_product(session: Session, product_id: int) -> Product:
    product = ProductRepository(session).get_by_id(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return product


def set_category(
    session: Session, org: Organization, product_id: int, category: str | None
) -> Product:
    """Admins only: a supplier choosing its own category could pick one without rules."""
    if org.role != OrgRole.admin:
        raise Forbidden("only admins change a product's category")
    product = get_product(session, product_id)
    _require_category(session, category)
    product.category = category
    session.flush()
    return product


def _require_category(session: Session, category: str | None) -> None:
    if category is not None and CategoryRepository(session).get_by_name(category) is None:
        raise InvalidInput(f"no category {category!r}", field="category")
