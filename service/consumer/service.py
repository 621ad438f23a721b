from __future__ import annotations

from sqlalchemy.orm import Session

from service.anchoring.deployment import ChainHealth
from service.batches.repository import BatchRepository
from service.consumer.schemas import BatchFacts, ChainStatus, PublicBatch
from service.errors import NotFound
from service.gs1 import digital_link, normalize_gtin, validate_ai_value
from service.orgs.repository import OrgRepository
from service.products.repository import ProductRepository
from service.verification.service import verify_batch


def resolve_batch(
    session: Session, *, gtin: str, lot: str, public_url: str, health: ChainHealth
) -> BatchFacts:
    """The facts behind a batch's Digital Link; bad identifiers are 404s, like unknown ones."""
    try:
        gtin14 = normalize_gtin(gtin)
        validate_ai_value(lot)
    except ValueError as e:
        raise NotFound(f"not a batch identifier: {e}") from e
    batch = BatchRepository(session).get_by_gtin_lot(gtin14, lot)
    if batch is None:
        raise NotFound(f"no batch with GTIN {gtin14} and lot {lot}")
    product = ProductRepository(session).get_by_id(batch.product_id)
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    assert product is not None and owner is not None
    verification = verify_batch(session, batch)
    return BatchFacts(
        verdict=verification.verdict,
        batch=PublicBatch(
            gtin=batch.gtin,
            lot=batch.lot,
            product_name=product.name,
            product_description=product.description,
            quantity=batch.quantity,
            unit=batch.unit,
            produced_at=batch.produced_at,
            supplier=owner.name,
            digital_link=digital_link(public_url, batch.gtin, batch.lot),
        ),
        records=verification.records,
        chain=ChainStatus(state=health.state, message=health.message),
    )
