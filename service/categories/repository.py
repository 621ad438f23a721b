from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Category


class CategoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_name(self, name: str) -> Category | None:
        return self.session.get(Category, name)

    def list_all(self) -> Sequence[Category]:
        return self.session.scalars(select(Category).order_by(Category.name)).all()

    def add(self, category: Category) -> None:
        self.session.add(category)
        self.session.flush()
