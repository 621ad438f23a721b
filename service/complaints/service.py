"""Complaints filed from the consumer page, without an account.

Only intake lives here: the handling workflow (acknowledge, investigate, resolve, each an
anchored record) builds on these rows. Contact details stay in this table, never in records,
so they can be erased.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from service.batches.repository import BatchRepository
from service.complaints.repository import ComplaintRepository
from service.complaints.schemas import ComplaintCategory, ComplaintCreate, ComplaintStatus
from service.config import Settings
from service.db.base import utcnow
from service.db.models import Complaint
from service.errors import InvalidInput, LotproofError, NotFound
from service.gs1 import LinkPathError, digital_link, parse_link_path
from service.units.repository import UnitRepository
from service.units.scans import source_of


class TooManyComplaints(LotproofError):
    status_code = 429
    title = "Too many requests"


def new_tracking_code() -> str:
    """Twelve base32 characters (60 random bits) in groups of four: easy to read out."""
    raw = base64.b32encode(secrets.token_bytes(8)).decode()[:12]
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def file_complaint(
    session: Session, settings: Settings, data: ComplaintCreate, *, address: str | None
) -> Complaint:
    try:
        key, _ = parse_link_path(data.link)
    except LinkPathError as e:
        raise InvalidInput(str(e), field="link") from None
    unit = UnitRepository(session).get_by_gtin_serial(key.gtin, key.serial) if key.serial else None
    batch_id = unit.batch_id if unit is not None else None
    if key.lot is not None:
        batch = BatchRepository(session).get_by_gtin_lot(key.gtin, key.lot)
        batch_id = batch.id if batch is not None and batch_id in (None, batch.id) else None
    if batch_id is None:
        raise InvalidInput("no registered product at this link", field="link")
    source = source_of(session, settings, address)
    repo = ComplaintRepository(session)
    since = utcnow() - timedelta(hours=1)
    if repo.count_from_source_since(source, since) >= settings.complaints_per_source_per_hour:
        raise TooManyComplaints("too many reports from your network in the last hour; try later")
    complaint = Complaint(
        code=new_tracking_code(),
        batch_id=batch_id,
        unit_id=unit.id if unit is not None else None,
        category=data.category,
        description=data.description.strip(),
        contact=(data.contact or "").strip() or None,
        source=source,
    )
    repo.add(complaint)
    return complaint


def complaint_status(session: Session, code: str, public_url: str) -> ComplaintStatus:
    complaint = ComplaintRepository(session).get_by_code(code.strip().upper())
    if complaint is None:
        raise NotFound(f"no complaint with tracking code {code}")
    batch = BatchRepository(session).get_by_id(complaint.batch_id)
    assert batch is not None
    return ComplaintStatus(
        code=complaint.code,
        status=complaint.status,
        category=ComplaintCategory(complaint.category),
        description=complaint.description,
        link=digital_link(public_url, batch.gtin, batch.lot),
        created_at=complaint.created_at,
    )
