"""What the write log remembers of a committed transaction: which lots it touched, or anything.

Tables here are stand-ins named like the real ones: the log judges a statement by its table's
name and the batches its caller named. ORM objects of the real models are covered end to end
in ``tests/api/test_consumer_cache.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from service.db.writes import CACHE_NEUTRAL, touching, write_log

_metadata = MetaData()
_rows = Table("rows", _metadata, Column("id", Integer, primary_key=True), Column("v", Integer))
_records = Table(
    "records", _metadata, Column("id", Integer, primary_key=True), Column("batch_id", Integer)
)
_scans = Table("scans", _metadata, Column("id", Integer, primary_key=True), Column("v", Integer))


@pytest.fixture
def open_session() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://")
    _metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


class TestAnything:
    def test_a_write_to_another_table_may_touch_anything(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            session.execute(insert(_rows).values(v=1))
        assert write_log.latest == before + 1 and write_log.anything_since(before)
        with open_session() as session, session.begin():
            session.execute(text("UPDATE rows SET v = 2"))
        assert write_log.latest == before + 2 and write_log.anything_since(before + 1)

    def test_a_statement_on_records_that_names_no_batches_may_touch_anything(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            session.execute(update(_records).values(batch_id=3))  # the anchoring worker's kind
        assert write_log.anything_since(before)


class TestLots:
    def test_a_statement_naming_its_batches_touches_only_those(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            rows = [{"batch_id": 5}, {"batch_id": 6}]
            session.execute(insert(_records), rows, execution_options=touching([5, 6]))
            session.execute(insert(_scans).values(v=1))  # a neutral table: touches no lot
        assert write_log.latest == before + 1
        assert not write_log.anything_since(before)
        assert write_log.touched_since(before, [6]) and write_log.touched_since(before, [5])
        assert not write_log.touched_since(before, [7])

    def test_one_statement_naming_nothing_makes_the_whole_transaction_anything(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            session.execute(insert(_records), [{"batch_id": 5}], execution_options=touching([5]))
            session.execute(insert(_rows).values(v=1))
        assert write_log.anything_since(before)

    def test_only_neutral_tables_touch_nothing(self, open_session: sessionmaker[Session]) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            session.execute(insert(_scans).values(v=1))
        assert write_log.latest == before


class TestNotLogged:
    def test_reads_rollbacks_and_neutral_sessions(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session:
            session.scalars(select(_rows.c.v)).all()
            session.execute(text("SELECT 1"))
            session.commit()
        with open_session() as session:
            session.execute(insert(_rows).values(v=1))
            session.rollback()
            session.commit()  # the rolled back write is not remembered
        with open_session() as session, session.begin():
            session.info[CACHE_NEUTRAL] = True
            session.execute(insert(_rows).values(v=1))
        assert write_log.latest == before

    def test_a_savepoint_counts_when_the_outer_transaction_commits(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_log.latest
        with open_session() as session, session.begin():
            with session.begin_nested():
                session.execute(insert(_rows).values(v=1))
            assert write_log.latest == before  # not visible to others yet
        assert write_log.latest == before + 1


class TestTheLog:
    def test_commits_are_numbered_and_remembered_per_slot(self) -> None:
        before = write_log.latest
        write_log.note_commit([1, 2])
        assert write_log.latest == before + 1
        assert write_log.touched_since(before, [2]) and not write_log.touched_since(before, [3])
        assert not write_log.touched_since(before + 1, [2])
        write_log.note_commit(None)
        assert write_log.touched_since(before + 1, [3]) and write_log.anything_since(before + 1)
