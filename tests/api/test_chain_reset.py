"""A reset dev chain is noticed, reported, and repaired by `lotproof chain reanchor`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.cli import app as cli
from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.ledger.factory import build_ledger
from tests.builders import event_body, make_batch, make_org, post_event, scan
from tests.support.hardhat import HardhatNode, _rpc


@pytest.fixture
def own_chain(tmp_path: Path) -> Iterator[tuple[Settings, HardhatNode]]:
    """A chain of this test's own (so resetting it disturbs nobody) and a fresh SQLite file."""
    with HardhatNode(log_path=tmp_path / "node.log") as node:
        settings = Settings(
            env="dev",
            database_url=f"sqlite:///{tmp_path / 'reset.db'}",
            rpc_url=node.url,
            public_url="http://lotproof.test",
            run_worker=False,
        )
        yield settings, node


class TestChainReset:
    def test_reset_is_reported_and_reanchor_repairs_it(
        self, own_chain: tuple[Settings, HardhatNode], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings, node = own_chain
        engine = make_engine(settings.database_url)
        migrate.upgrade(engine)
        sessions = SessionFactory(engine)
        worker = AnchoringWorker(
            sessions=sessions, ledger=build_ledger(settings), settings=settings
        )
        with TestClient(create_app(settings)) as client:
            _, key = make_org(sessions)
            batch = make_batch(client, key)
            post_event(client, key, batch["id"], event_body())
            worker.tick()
            assert scan(client, batch)["verdict"] == "authentic"

            _rpc(node.url, "hardhat_reset")
            worker.tick()
            assert worker.health.state == "reset"
            assert "lotproof chain reanchor" in worker.health.message

            for name, value in {
                "LOTPROOF_ENV": "dev",
                "LOTPROOF_DATABASE_URL": settings.database_url,
                "LOTPROOF_RPC_URL": settings.rpc_url,
            }.items():
                monkeypatch.setenv(name, value)
            result = CliRunner().invoke(cli, ["chain", "reanchor"])
            assert result.exit_code == 0, result.output
            summary = json.loads(result.output.strip().splitlines()[-1])
            assert summary["records_anchored"] >= 1

            worker.tick()
            assert worker.health.state == "ok"
            facts = scan(client, batch)
            assert facts["verdict"] == "authentic"
        engine.dispose()
