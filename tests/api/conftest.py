from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.anchoring.deployment import ChainHealth
from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.ledger.factory import build_ledger


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app (migrations, routes, error handlers) with the worker driven by the test."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def worker(settings: Settings, sessions: SessionFactory) -> AnchoringWorker:
    """A worker on the real chain that the test ticks by hand, for deterministic ordering."""
    return AnchoringWorker(
        sessions=sessions, ledger=build_ledger(settings), settings=settings, health=ChainHealth()
    )
