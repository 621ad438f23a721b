"""Bulk recording: all rows or none, and every bad row named."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import OrgRole, Record
from service.hashing import digest_to_hex, record_digest
from tests.builders import (
    auth,
    event_body,
    failing_sampling,
    make_batch,
    make_org,
    post_event,
    scan,
)


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
        # A quarter hour apart on average: all in the past (event times may not be ahead of now).
        events = [
            event_body("temperature" if i % 2 else "storage", hours=i // 4) for i in range(2000)
        ]
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
        assert denied.status_code == 403 and denied.json()["errors"][0]["row"] == 0
        assert record_count(sessions, batch["id"]) == 0

    def test_rows_see_the_batch_as_earlier_rows_left_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        """A rejected inspection in row 1 puts the lot on hold: row 2's shipment is refused,
        and because of that nothing at all is written, the hold included."""
        _, key = make_org(sessions)
        receiver, _ = make_org(sessions, OrgRole.retailer)
        batch = make_batch(client, key)
        rejected = event_body("inspection", hours=1) | {"sampling": failing_sampling()}
        shipment = event_body("shipping", hours=2) | {"receiver": receiver}
        response = bulk(client, key, batch["id"], [event_body("production"), rejected, shipment])
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert [e["row"] for e in errors] == [2] and "on hold" in errors[0]["message"]
        assert record_count(sessions, batch["id"]) == 0
        facts = scan_after_nothing(client, batch)
        assert facts["flags"]["on_hold"] is False
        # The same shipment alone (no failed inspection before it) goes through.
        ok = bulk(client, key, batch["id"], [event_body("production"), shipment])
        assert ok.status_code == 201, ok.text
        in_transit = bulk(client, key, batch["id"], [shipment])
        assert in_transit.status_code == 422, "a second shipment must wait for the receipt"

    def test_bulk_records_chain_on_from_single_posts(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body("production"))
        response = bulk(
            client, key, batch["id"], [event_body("storage", hours=i) for i in range(5)]
        )
        assert response.status_code == 201, response.text
        assert [r["n"] for r in response.json()["records"]] == [1, 2, 3, 4, 5]
        after = post_event(client, key, batch["id"], event_body("packing", hours=9))
        assert after["n"] == 6
        with sessions.read() as session:
            rows = session.scalars(
                select(Record).where(Record.batch_id == batch["id"]).order_by(Record.n)
            ).all()
            contents = [json.loads(r.content) for r in rows]
            digests = [r.digest for r in rows]
        # Each record names the digest before it, and its stored digest is its own hash.
        assert contents[0]["prev"] is None
        for n in range(1, 7):
            assert contents[n]["prev"] == digest_to_hex(digests[n - 1])
        assert all(record_digest(c) == d for c, d in zip(contents, digests, strict=True))
        worker.anchor_all_pending()
        assert scan(client, batch)["verdict"] == "authentic"


def scan_after_nothing(client: TestClient, batch: dict[str, Any]) -> dict[str, Any]:
    """The consumer view of a batch with no records (a 200 with an empty history)."""
    response = client.get(
        f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    facts: dict[str, Any] = response.json()
    return facts
