"""Serialized units: commissioning serial numbers for a batch."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy.orm import Session

from service.batches.service import get_batch
from service.db.models import Organization, Unit
from service.errors import Forbidden
from service.gs1 import digital_link
from service.labels.sheet import Label
from service.products.repository import ProductRepository
from service.units.repository import UnitRepository
from service.units.schemas import UnitList, UnitRead


def new_serial() -> str:
    """80 random bits as 16 base32 characters: valid GS1 AI 21, and unguessable."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def commission_serials(
    session: Session, org: Organization, batch_id: int, count: int, public_url: str
) -> list[UnitRead]:
    batch = get_batch(session, batch_id)
    if batch.owner_org_id != org.id:
        raise Forbidden("only the batch's owner may commission its serial numbers")
    units = [Unit(batch_id=batch.id, gtin=batch.gtin, serial=new_serial()) for _ in range(count)]
    UnitRepository(session).add_all(units)
    return [_unit_read(u, batch.lot, public_url, scans=0) for u in units]


def list_units(
    session: Session,
    org: Organization,
    batch_id: int,
    public_url: str,
    *,
    cursor: int | None,
    limit: int,
) -> UnitList:
    batch = get_batch(session, batch_id)
    if batch.owner_org_id != org.id:
        raise Forbidden("only the batch's owner may list its units")
    repo = UnitRepository(session)
    rows = repo.list_by_batch(batch.id, after=cursor, limit=limit + 1)
    page = rows[:limit]
    scans = repo.count_scans([u.id for u in page])
    return UnitList(
        items=[_unit_read(u, batch.lot, public_url, scans=scans.get(u.id, 0)) for u in page],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


def _unit_read(unit: Unit, lot: str, public_url: str, *, scans: int) -> UnitRead:
    return UnitRead(
        serial=unit.serial,
        url=digital_link(public_url, unit.gtin, lot, unit.serial),
        suspect_clone=unit.suspect_clone_at is not None,
        scans=scans,
        created_at=unit.created_at,
    )


def unit_labels(
    session: Session,
    org: Organization,
    batch_id: int,
    public_url: str,
    *,
    cursor: int | None,
    limit: int,
) -> list[Label]:
    """Labels for a page of the batch's units (owner only: serial URLs are unguessable)."""
    page = list_units(session, org, batch_id, public_url, cursor=cursor, limit=limit)
    batch = get_batch(session, batch_id)
    product = ProductRepository(session).get_by_id(batch.product_id)
    name = product.name if product is not None else None
    return [
        Label(url=u.url, gtin=batch.gtin, lot=batch.lot, serial=u.serial, product_name=name)
        for u in page.items
    ]
