"""/readyz and /metrics say when anchoring has stalled: records pending for too long."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from service.app import create_app
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import Record, RecordStatus
from tests.builders import event_body, make_batch, make_org, post_event
from tests.support.live_server import free_port
from tests.support.settings import suite_settings


@pytest.fixture
def sessions(tmp_path: Path) -> SessionFactory:
    engine = make_engine(f"sqlite:///{tmp_path / 'stall.db'}")
    migrate.upgrade(engine)
    return SessionFactory(engine)


@pytest.fixture
def client(sessions: SessionFactory, tmp_path: Path) -> Iterator[TestClient]:
    # No chain at all (nothing listens there): records can only wait.
    settings = suite_settings(
        str(sessions.engine.url), f"http://127.0.0.1:{free_port()}", tmp_path / "files"
    ).model_copy(update={"anchor_stalled_after": 600.0})
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_record_pending_past_the_limit_is_reported_as_stalled(
    client: TestClient, sessions: SessionFactory
) -> None:
    body = client.get("/readyz").json()
    assert body["anchoring"] == {"state": "ok", "pending_records": 0, "oldest_pending_age_s": None}

    _, key = make_org(sessions)
    batch = make_batch(client, key)
    for hour in range(3):
        post_event(client, key, batch["id"], event_body("production", hours=hour))
    fresh = client.get("/readyz").json()["anchoring"]
    assert fresh["state"] == "ok" and fresh["pending_records"] == 3

    with sessions.write() as session, session.begin():
        old = datetime.now(UTC) - timedelta(minutes=15)
        session.execute(
            update(Record).where(Record.batch_id == batch["id"]).values(recorded_at=old)
        )
    stalled = client.get("/readyz").json()["anchoring"]
    assert stalled["state"] == "stalled" and stalled["pending_records"] == 3
    assert 899 <= stalled["oldest_pending_age_s"] < 960
    metrics = client.get("/metrics").text
    (line,) = [
        ln for ln in metrics.splitlines() if ln.startswith("lotproof_oldest_pending_record_age")
    ]
    assert 899 <= float(line.split()[-1]) < 960

    with sessions.write() as session, session.begin():
        session.execute(update(Record).values(status=RecordStatus.anchored))
    assert client.get("/readyz").json()["anchoring"]["state"] == "ok"
