"""Session-wide real components: a Hardhat node (behind a cuttable proxy) and databases.

Every test that touches storage runs once on a SQLite file and once on PostgreSQL when the
server at 127.0.0.1:5432 answers. Tests isolate themselves by creating their own orgs,
GTINs and lots rather than by rolling back, because the API and the worker commit for real.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from tests.support.hardhat import HardhatNode
from tests.support.proxy import TcpProxy
from tests.support.settings import suite_settings

pytest_plugins = ["tests.support.webhooks"]

PG_ADMIN_DSN = os.environ.get("LOTPROOF_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def hardhat_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HardhatNode]:
    log = tmp_path_factory.mktemp("hardhat") / "node.log"
    with HardhatNode(log_path=log) as node:
        yield node


@pytest.fixture(scope="session")
def chain_proxy(hardhat_node: HardhatNode) -> Iterator[TcpProxy]:
    assert hardhat_node.port is not None
    proxy = TcpProxy("127.0.0.1", hardhat_node.port)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "lotproof.db"
        yield f"sqlite:///{path}"
        return
    if not _postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 not reachable")
    name = f"lotproof_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> SessionFactory:
    return SessionFactory(engine)


@pytest.fixture
def settings(database_url: str, chain_proxy: TcpProxy, tmp_path: Path) -> Settings:
    return suite_settings(database_url, chain_proxy.url, tmp_path / "files")
