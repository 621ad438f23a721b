from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db.models import Scan, Unit


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_all(self, units: Sequence[Unit]) -> None:
        self.session.add_all(units)
        self.session.flush()

    def get_by_gtin_serial(self, gtin: str, serial: str) -> Unit | None:
        query = select(Unit).where(Unit.gtin == gtin, Unit.serial == serial)
        return self.session.scalars(query).first()

    def list_by_batch(self, batch_id: int, *, after: int | None, limit: int) -> Sequence[Unit]:
        query = select(Unit).where(Unit.batch_id == batch_id)
        if after is not None:
            query = query.where(Unit.id > after)
        return self.session.scalars(query.order_by(Unit.id).limit(limit)).all()

    def count_scans(self, unit_ids: Sequence[int]) -> dict[int, int]:
        query = (
            select(Scan.unit_id, func.count())
            .where(Scan.unit_id.in_(unit_ids))
            .group_by(Scan.unit_id)
        )
        return {unit_id: int(count) for unit_id, count in self.session.execute(query).all()}

    def add_scan(self, scan: Scan) -> None:
        self.session.add(scan)
        self.session.flush()

    def count_distinct_sources(self, unit_id: int, since: datetime) -> int:
        query = select(func.count(func.distinct(Scan.source))).where(
            Scan.unit_id == unit_id, Scan.scanned_at >= since
        )
        return int(self.session.scalar(query) or 0)

    def scan_summary(self, unit_id: int) -> tuple[int, datetime | None, datetime | None]:
        """(number of scans, first, last) of a unit."""
        query = select(func.count(), func.min(Scan.scanned_at), func.max(Scan.scanned_at)).where(
            Scan.unit_id == unit_id
        )
        count, first, last = self.session.execute(query).one()
        return int(count), first, last
