"""Fault tests get a chain and a database of their own.

They stop mining, revert blocks, cut the RPC and kill processes, so they must not share the
session's Hardhat node (whose blocks hold every other test's anchors) or its database. Each
module gets its own node; each test its own SQLite file, already migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from tests.support.hardhat import HardhatNode
from tests.support.settings import suite_settings


@pytest.fixture(scope="module")
def fault_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HardhatNode]:
    log = tmp_path_factory.mktemp("fault-hardhat") / "node.log"
    with HardhatNode(log_path=log) as node:
        yield node


@pytest.fixture
def fault_db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture
def fault_engine(fault_db_url: str) -> Iterator[Engine]:
    engine = make_engine(fault_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fault_sessions(fault_engine: Engine) -> SessionFactory:
    return SessionFactory(fault_engine)


def fault_settings(database_url: str, rpc_url: str, files_dir: Path, **overrides: Any) -> Settings:
    """The suite's settings pointed at a fault test's own chain and database."""
    base = suite_settings(database_url, rpc_url, files_dir)
    return base.model_copy(update=overrides)
