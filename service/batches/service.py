from __future__ import annotations

from datetime import UTC

from sqlalchemy.orm import Session

from service.batches.repository import BatchRepository
from service.batches.schemas import BatchCreate, BatchRead
from service.categories.requirements import require_certificates
from service.certificates.validity import utc_day
from service.db.base import utcnow
from service.db.models import Batch, Organization, OrgRole
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.gs1 import digital_link
from service.orgs.repository import OrgRepository
from service.products.repository import ProductRepository
from service.records.window import EventTimeWindow


def create_batch(
    session: Session,
    org: Organization,
    data: BatchCreate,
    window: EventTimeWindow,
    field_prefix: str = "",
) -> Batch:
    """A new lot of one of the caller's own products, produced inside ``window`` (no lot is
    produced in the future); ``field_prefix`` names where ``data`` sits in the request."""
    product = ProductRepository(session).get_by_gtin(data.gtin)
    if product is None:
        raise InvalidInput(
            f"no product with GTIN {data.gtin}; register it first", field=f"{field_prefix}gtin"
        )
    if product.owner_org_id != org.id:
        raise Forbidden("only the product's owner may create its batches")
    window.check(data.produced_at, field=f"{field_prefix}produced_at")
    require_certificates(session, org, product, utc_day(utcnow()))
    repo = BatchRepository(session)
    if repo.get_by_gtin_lot(data.gtin, data.lot) is not None:
        raise Conflict(
            f"lot {data.lot} of GTIN {data.gtin} already exists", field=f"{field_prefix}lot"
        )
    batch = Batch(
        product_id=product.id,
        owner_org_id=org.id,
        custodian_org_id=org.id,
        gtin=data.gtin,
        lot=data.lot,
        quantity=data.quantity,
        uom=data.unit,
        produced_at=data.produced_at,
    )
    repo.add(batch)
    return batch


def get_batch(session: Session, batch_id: int) -> Batch:
    batch = BatchRepository(session).get_by_id(batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


def get_readable_batch(session: Session, org: Organization, batch_id: int) -> Batch:
    """A batch read by its row id, for the organisations that take part in it.

    Row ids are sequential, so a public read by id would let anyone walk every batch, its lot
    and its handovers. What the public sees goes by the code on the product (GTIN and lot, the
    consumer page). By id: the owner, whoever holds it or has it in transit, every organisation
    that recorded something on it, and inspectors and admins. Anyone else gets the same 404
    as for a batch that does not exist, so the answer does not reveal that it does.
    """
    batch = BatchRepository(session).get_by_id(batch_id)
    if batch is None or not _takes_part(session, org, batch):
        raise NotFound(f"no batch {batch_id}")
    return batch


def _takes_part(session: Session, org: Organization, batch: Batch) -> bool:
    if org.role in (OrgRole.inspector, OrgRole.admin):
        return True
    if org.id in (batch.owner_org_id, batch.custodian_org_id, batch.in_transit_to_org_id):
        return True
    return BatchRepository(session).has_record_by(batch.id, org.id)


def batch_read(session: Session, batch: Batch, public_url: str) -> BatchRead:
    product = ProductRepository(session).get_by_id(batch.product_id)
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    assert product is not None and owner is not None
    return BatchRead(
        id=batch.id,
        gtin=batch.gtin,
        lot=batch.lot,
        product_name=product.name,
        quantity=batch.quantity,
        unit=batch.uom,
        produced_at=batch.produced_at.astimezone(UTC),
        owner=owner.slug,
        record_count=batch.record_count,
        qr_url=digital_link(public_url, batch.gtin, batch.lot),
        created_at=batch.created_at,
    )
