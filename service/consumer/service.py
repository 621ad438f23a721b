"""Resolving a Digital Link to the facts a shopper sees (and logging unit scans)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.anchoring.deployment import ChainHealth
from service.batches.repository import BatchRepository
from service.complaints.schemas import ComplaintSummary
from service.complaints.service import public_summary
from service.complaints.workflow import COMPLAINT_EVENT_TYPE
from service.config import Settings
from service.consumer.headline import Situation, headline
from service.consumer.readings import StorageRange, hold_cause, temperature_readings
from service.consumer.schemas import BatchFacts, ChainStatus, Flags, PublicBatch, PublicUnit
from service.consumer.supplier import supplier_facts
from service.db.base import utcnow
from service.db.models import Batch, Product, Unit
from service.errors import NotFound
from service.gs1 import LinkKey, digital_link
from service.orgs.repository import OrgRepository
from service.products.repository import ProductRepository
from service.recalls.service import EVENT_TYPE as RECALL_EVENT_TYPE
from service.recalls.service import public_recalls
from service.scorecard.summary import ScoreCache
from service.units.repository import UnitRepository
from service.units.scans import record_scan
from service.verdicts.actors import name_actors
from service.verdicts.service import verify_batch

# Only a recall puts a lot in a recall (updates and closings follow one).
RECALL_RECORDS = frozenset({RECALL_EVENT_TYPE})


def find_target(session: Session, key: LinkKey) -> tuple[Batch, Unit | None]:
    """The batch (and unit) a well-formed link names, or NotFound."""
    batches = BatchRepository(session)
    unit = None
    if key.serial is not None:
        unit = UnitRepository(session).get_by_gtin_serial(key.gtin, key.serial)
        if unit is None:
            raise NotFound(f"no unit with GTIN {key.gtin} and serial {key.serial}")
        batch = batches.get_by_id(unit.batch_id)
        if batch is None or (key.lot is not None and batch.lot != key.lot):
            raise NotFound(f"serial {key.serial} does not belong to lot {key.lot}")
        return batch, unit
    assert key.lot is not None
    found = batches.get_by_gtin_lot(key.gtin, key.lot)
    if found is None:
        raise NotFound(f"no batch with GTIN {key.gtin} and lot {key.lot}")
    return found, unit


def log_unit_scan(
    session: Session,
    settings: Settings,
    key: LinkKey,
    *,
    address: str | None,
    user_agent: str | None,
) -> None:
    """Log a scan of the unit ``key`` names (nothing for a batch link or an unknown serial)."""
    if key.serial is None:
        return
    unit = UnitRepository(session).get_by_gtin_serial(key.gtin, key.serial)
    if unit is not None:
        record_scan(session, settings, unit, address=address, user_agent=user_agent)


def batch_facts(
    session: Session,
    settings: Settings,
    health: ChainHealth,
    batch: Batch,
    unit: Unit | None,
    scores: ScoreCache,
) -> BatchFacts:
    """The facts a scan shows; reads only (unit scans are logged by ``log_unit_scan``)."""
    product = ProductRepository(session).get_by_id(batch.product_id)
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    assert product is not None and owner is not None
    verification = verify_batch(session, batch)
    # Records name their actor by slug (that is what was hashed); shoppers read names, and
    # whether an inspection was independent or the supplier's own.
    name_actors(session, verification.records)
    kinds = {record.type for record in verification.records}
    public_unit = _public_unit(session, settings, batch, unit) if unit is not None else None
    supplier = supplier_facts(session, owner, scores, utcnow())
    flags = Flags(
        recalled=batch.recalled_at is not None,
        on_hold=batch.on_hold_since is not None,
        suspect_clone=public_unit is not None and public_unit.suspect_clone,
    )
    storage = _storage_range(product)
    return BatchFacts(
        verdict=verification.verdict,
        headline=headline(
            Situation(
                verdict=verification.verdict,
                recalled=flags.recalled,
                on_hold=flags.on_hold,
                suspect_copy=flags.suspect_clone,
                supplier_suspended=supplier.suspended,
            )
        ),
        flags=flags,
        batch=PublicBatch(
            gtin=batch.gtin,
            lot=batch.lot,
            product_name=product.name,
            product_description=product.description,
            quantity=batch.quantity,
            unit=batch.uom,
            produced_at=batch.produced_at,
            supplier=owner.name,
            digital_link=digital_link(settings.public_url, batch.gtin, batch.lot),
            recalled=batch.recalled_at is not None,
            recall_reason=batch.recall_reason,
            on_hold=batch.on_hold_since is not None,
            hold_reason=batch.hold_reason,
            storage_range=storage,
        ),
        unit=public_unit,
        supplier=supplier,
        records=verification.records,
        hold=(
            hold_cause(verification.records, batch.on_hold_since)
            if batch.on_hold_since is not None
            else None
        ),
        temperatures=temperature_readings(verification.records, storage),
        # Every recall and every complaint writes a record into the lot's history, so a lot
        # without such a record has none, and a scan of it skips those queries.
        recalls=public_recalls(session, batch) if kinds & RECALL_RECORDS else [],
        complaints=(
            public_summary(session, batch)
            if COMPLAINT_EVENT_TYPE in kinds
            else ComplaintSummary(total=0, by_category={}, by_status={}, groups=[])
        ),
        chain=ChainStatus(
            state=health.state,
            message=health.message,
            name=settings.chain_display_name,
            test_network=settings.chain_is_test_network,
        ),
    )


def _storage_range(product: Product) -> StorageRange | None:
    low, high = product.storage_min_c, product.storage_max_c
    return StorageRange(min_c=low, max_c=high) if low is not None and high is not None else None


def _public_unit(session: Session, settings: Settings, batch: Batch, unit: Unit) -> PublicUnit:
    count, first, last = UnitRepository(session).scan_summary(unit.id)
    return PublicUnit(
        serial=unit.serial,
        digital_link=digital_link(settings.public_url, unit.gtin, batch.lot, unit.serial),
        suspect_clone=unit.suspect_clone_at is not None,
        scans=count,
        first_scanned_at=first,
        last_scanned_at=last,
    )
