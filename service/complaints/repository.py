from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Insert, Row, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.db.models import Batch, Complaint, ComplaintSource, Organization, OrgRole, Unit
from service.db.models.complaints import ComplaintStep


class ComplaintRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, complaint: Complaint) -> None:
        self.session.add(complaint)
        self.session.flush()

    def get_by_code(self, code: str, *, for_update: bool = False) -> Complaint | None:
        """``for_update``: read afresh under PostgreSQL's row lock (SQLite's write lock is
        already held), so two transitions of one complaint check its state one at a time."""
        query = select(Complaint).where(Complaint.code == code)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def add_step(self, step: ComplaintStep) -> None:
        self.session.add(step)

    def list_steps(self, complaint_id: int) -> Sequence[Row[ComplaintStep, str | None]]:
        """The complaint's steps in order, each with the acting organisation's name."""
        query = (
            select(ComplaintStep, Organization.name)
            .outerjoin(Organization, Organization.id == ComplaintStep.actor_org_id)
            .where(ComplaintStep.complaint_id == complaint_id)
            .order_by(ComplaintStep.at, ComplaintStep.id)
        )
        return self.session.execute(query).all()

    def serial_of_unit(self, unit_id: int) -> str | None:
        return self.session.scalar(select(Unit.serial).where(Unit.id == unit_id))

    def count_by_category_status(self, batch_id: int) -> dict[tuple[str, str], int]:
        """A batch's complaints counted per (category, status)."""
        query = (
            select(Complaint.category, Complaint.status, func.count())
            .where(Complaint.batch_id == batch_id)
            .group_by(Complaint.category, Complaint.status)
        )
        return {(c, s): int(n) for c, s, n in self.session.execute(query)}

    def lock_source(self, source: bytes) -> None:
        """Take the row lock of ``source`` (creating its row), held until the transaction
        ends: concurrent filings from one source then count its complaints one at a time."""
        dialect = self.session.get_bind().dialect.name
        insert: Insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            ComplaintSource
        ).on_conflict_do_nothing()
        self.session.execute(insert.values(source=source))
        lock = select(ComplaintSource.source).where(ComplaintSource.source == source)
        self.session.execute(lock.with_for_update())

    def count_from_source_since(self, source: bytes, since: datetime) -> int:
        query = select(func.count()).where(
            Complaint.source == source, Complaint.created_at >= since
        )
        return int(self.session.scalar(query) or 0)

    def count_for_batch_since(self, batch_id: int, since: datetime) -> int:
        """Complaints on a batch since ``since``, except those its handler rejected."""
        query = select(func.count()).where(
            Complaint.batch_id == batch_id,
            Complaint.created_at >= since,
            Complaint.status != "rejected",
        )
        return int(self.session.scalar(query) or 0)

    def count_sources_for_batch_since(self, batch_id: int, since: datetime) -> int:
        """Distinct sources (hashed network prefixes) of the complaints ``count_for_batch_since``
        counts: what quality alerts go by, so one network cannot raise one alone."""
        query = select(func.count(func.distinct(Complaint.source))).where(
            Complaint.batch_id == batch_id,
            Complaint.created_at >= since,
            Complaint.status != "rejected",
        )
        return int(self.session.scalar(query) or 0)

    def admin_org_ids(self) -> list[int]:
        """The quality desk: who hears of quality alerts waiting for review."""
        query = select(Organization.id).where(Organization.role == OrgRole.admin)
        return list(self.session.scalars(query))

    def list_under_review(self, owner_org_id: int | None) -> Sequence[Batch]:
        """Batches whose quality alert waits for review, oldest first (``None``: all)."""
        query = select(Batch).where(Batch.review_since.is_not(None))
        if owner_org_id is not None:
            query = query.where(Batch.owner_org_id == owner_org_id)
        return self.session.scalars(query.order_by(Batch.review_since, Batch.id).limit(500)).all()

    def list_for_handler(
        self,
        owner_org_id: int | None,
        *,
        status: str | None,
        overdue_at: datetime | None,
        after: int | None,
        limit: int,
    ) -> Sequence[Row[Complaint, Batch | None]]:
        """Oldest first; ``owner_org_id`` None means every org, and complaints without a batch
        (suspected fakes of unregistered codes: the admins' to handle)."""
        query = select(Complaint, Batch).outerjoin(Batch, Batch.id == Complaint.batch_id)
        query = query.where(*_handler_filters(owner_org_id, status, overdue_at))
        if after is not None:
            query = query.where(Complaint.id > after)
        return self.session.execute(query.order_by(Complaint.id).limit(limit)).all()

    def count_overdue(self, owner_org_id: int | None, now: datetime) -> int:
        query = select(func.count()).select_from(Complaint).outerjoin(Batch)
        query = query.where(*_handler_filters(owner_org_id, None, now))
        return int(self.session.scalar(query) or 0)


def _handler_filters(
    owner_org_id: int | None, status: str | None, overdue_at: datetime | None
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if owner_org_id is not None:
        filters.append(Batch.owner_org_id == owner_org_id)
    if status is not None:
        filters.append(Complaint.status == status)
    if overdue_at is not None:
        # Overdue: still waiting for a first response after its deadline has passed.
        filters += [Complaint.first_response_at.is_(None), Complaint.deadline_at < overdue_at]
    return filters
