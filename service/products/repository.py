from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Product


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, product_id: int) -> Product | None:
        return self.session.get(Product, product_id)

    def get_by_gtin(self, gtin: str) -> Product | None:
        return self.session.scalars(select(Product).where(Product.gtin == gtin)).first()

    def add(self, product: Product) -> None:
        self.session.add(product)
        self.session.flush()
