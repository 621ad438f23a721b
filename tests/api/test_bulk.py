"""Bulk recording: all rows or none, and every bad row named."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Record
from tests.builders import auth, event_body, make_batch, make_org, scan


def record_count(sessions: SessionFactory, batch_id: int) -> int:
    with sessions.read() as session:
        query = select(func.count()).select_from(Record).where(Record.batch_id == batch_id)
        return int(session.scalar(query) or 0)


def bulk(client: TestClient, key: str, batch_id: int, events: list[dict[str, Any]]) -> Any:
    return client.post(
        f"/api/v1/batches/{batch_id}/events:bulk", json={"events": events}, headers=auth(key)
    )


class TestBulk:
    def test_thousands_of_events_in_one_call(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = [event_body("temperature" if i % 2 else "storage", hours=i) for i in range(2000)]
        for i, event in enumerate(events):
            if event["type"] == "temperature":
                event["temperature_c"] = 2 + i % 5
        response = bulk(client, key, batch["id"], events)
        assert response.status_code == 201, response.text[:500]
        records = response.json()["records"]
        assert [r["n"] for r in records] == list(range(2000))
        assert record_count(sessions, batch["id"]) == 2000
        # 2,000 pending records (plus other tests') exceed one anchor's 1,024 leaves.
        worker.anchor_all_pending()
        assert scan(client, batch)["verdict"] == "authentic"

    def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = [
            event_body("production"),
            event_body("storage") | {"event_time": "yesterday"},
            event_body("packing"),
            event_body("receiving"),  # never shipped: not allowed
            event_body("temperature"),  # no reading
        ]
        response = bulk(client, key, batch["id"], events)
        assert response.status_code == 422
        problem = response.json()
        assert sorted({e["row"] for e in problem["errors"]}) == [1, 3, 4]
        fields = {e["row"]: e["field"] for e in problem["errors"]}
        assert fields[1] == "event_time" and fields[4] == "temperature_c"
        assert record_count(sessions, batch["id"]) == 0
        # The batch's numbering was not disturbed by the rolled-back rows.
        ok = bulk(client, key, batch["id"], [event_body("production")])
        assert ok.status_code == 201 and ok.json()["records"][0]["n"] == 0

    def test_limits(self, client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        assert bulk(client, key, batch["id"], []).status_code == 422
        assert bulk(client, key, 99999999, [event_body()]).status_code == 404
        _, other = make_org(sessions)
        denied = bulk(client, other, batch["id"], [event_body()])
        assert denied.status_code == 422 and denied.json()["errors"][0]["row"] == 0
