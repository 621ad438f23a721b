"""Declarative base, column types and query helpers shared by every model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Ids are 32-bit in PostgreSQL (and 64-bit in SQLite): a larger id in a request would reach
# the database and fail there as a 500 (SQLite: "Python int too large"), not as a 422.
MAX_ROW_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


# For UPDATE statements on one row by primary key: the ORM's default "evaluate" pass scans
# every object in the session after each statement, which makes a bulk import of n rows cost
# O(n^2). `sync_loaded` updates the one loaded object instead.
NO_SYNC = {"synchronize_session": False}


def sync_loaded(session: Session, model: type[Base], key: int, **values: Any) -> None:
    """Set ``values`` on the session's copy of ``model`` row ``key``, if it has one loaded."""
    loaded = session.identity_map.get(session.identity_key(model, key))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for hot paths that skip the ORM's per-statement bookkeeping."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def padded_in_list(ids: Sequence[int]) -> list[int]:
    """``ids`` padded to the next power of two by repeating its last one, for ``IN (...)``.

    Each length of an IN list is a statement of its own to the database's statement caches
    (pysqlite keeps 128 prepared statements per connection, and one with hundreds of
    parameters is large). The anchoring worker claims a different number of records every
    tick, so without padding its SQLite memory keeps growing as new lengths come along. A few
    shapes serve every length; a repeated id matches the same row, so results and row counts
    are unchanged.
    """
    if not ids:
        return []
    size = 1 << (len(ids) - 1).bit_length()
    return [*ids, *([ids[-1]] * (size - len(ids)))]
