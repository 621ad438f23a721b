from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service.db.models import Batch, BatchLink, Organization, Product


class TransformationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_links(self, links: Sequence[BatchLink]) -> None:
        self.session.add_all(links)
        self.session.flush()

    def list_links_into(self, output_ids: Collection[int]) -> Sequence[BatchLink]:
        """Links whose output is one of ``output_ids``: one hop upstream."""
        query = (
            select(BatchLink)
            .where(BatchLink.output_batch_id.in_(output_ids))
            .order_by(BatchLink.id)
        )
        return self.session.scalars(query).all()

    def list_links_from(self, input_ids: Collection[int]) -> Sequence[BatchLink]:
        """Links whose input is one of ``input_ids``: one hop downstream."""
        query = (
            select(BatchLink).where(BatchLink.input_batch_id.in_(input_ids)).order_by(BatchLink.id)
        )
        return self.session.scalars(query).all()

    def list_nodes(self, batch_ids: Collection[int]) -> Sequence[Row[Batch, str, str]]:
        """Each batch with its product's name and its owner's slug, in one query."""
        query = (
            select(Batch, Product.name, Organization.slug)
            .join(Product, Product.id == Batch.product_id)
            .join(Organization, Organization.id == Batch.owner_org_id)
            .where(Batch.id.in_(batch_ids))
        )
        return self.session.execute(query).all()
