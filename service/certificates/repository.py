from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Certificate, Organization, Record


class CertificateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, certificate: Certificate) -> None:
        self.session.add(certificate)
        self.session.flush()

    def get_by_id(self, certificate_id: int, *, lock: bool = False) -> Certificate | None:
        """With ``lock``, the row is held until the transaction ends (one revocation wins)."""
        query = select(Certificate).where(Certificate.id == certificate_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def list_by_org(self, org_id: int, *, after: int | None) -> Sequence[Certificate]:
        """The organisation's certificates by id (a handful per organisation): the caller
        filters by status in Python, because validity is judged by ``certificate_status``."""
        query = select(Certificate).where(Certificate.org_id == org_id)
        if after is not None:
            query = query.where(Certificate.id > after)
        return self.session.scalars(query.order_by(Certificate.id)).all()

    def list_by_org_and_types(self, org_id: int, types: Iterable[str]) -> Sequence[Certificate]:
        query = select(Certificate).where(
            Certificate.org_id == org_id, Certificate.type.in_(list(types))
        )
        return self.session.scalars(query.order_by(Certificate.id)).all()

    def list_unrevoked_ending_between(
        self, first: date, last: date, *, org_id: int | None, limit: int
    ) -> Sequence[Certificate]:
        """Not revoked, ``valid_to`` in [first, last]; soonest first."""
        query = select(Certificate).where(
            Certificate.revoked_at.is_(None),
            Certificate.valid_to >= first,
            Certificate.valid_to <= last,
        )
        if org_id is not None:
            query = query.where(Certificate.org_id == org_id)
        query = query.order_by(Certificate.valid_to, Certificate.id).limit(limit)
        return self.session.scalars(query).all()

    def list_to_announce(self, first: date, last: date, *, limit: int) -> Sequence[Certificate]:
        """Not revoked, ``valid_to`` in [first, last], not announced yet; oldest first."""
        query = select(Certificate).where(
            Certificate.revoked_at.is_(None),
            Certificate.expiring_notified_at.is_(None),
            Certificate.valid_to >= first,
            Certificate.valid_to <= last,
        )
        return self.session.scalars(query.order_by(Certificate.id).limit(limit)).all()

    def get_records(self, record_ids: Iterable[int]) -> dict[int, Record]:
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(select(Record).where(Record.id.in_(wanted)))
        return {record.id: record for record in rows}

    def get_orgs(self, org_ids: Iterable[int]) -> dict[int, Organization]:
        wanted = set(org_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(select(Organization).where(Organization.id.in_(wanted)))
        return {org.id: org for org in rows}
