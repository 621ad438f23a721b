"""Appends to one batch are serialized; only one anchoring worker runs at a time."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.lock import worker_lock
from service.db.engine import SessionFactory
from service.db.models import Record
from service.hashing import digest_to_hex, record_digest
from tests.builders import auth, event_body, make_batch, make_org


class TestConcurrentAppends:
    def test_parallel_events_get_distinct_n_and_an_unbroken_chain(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        url = f"/api/v1/batches/{batch['id']}/events"

        def post(i: int) -> int:
            response = client.post(url, json=event_body("packing", hours=i), headers=auth(key))
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(post, range(24)))
        assert statuses == [201] * 24
        with sessions.read() as session:
            rows = session.scalars(
                select(Record).where(Record.batch_id == batch["id"]).order_by(Record.n)
            ).all()
            assert [r.n for r in rows] == list(range(24))
            prev = None
            for row in rows:
                content = json.loads(row.content)
                assert content["prev"] == prev
                prev = digest_to_hex(record_digest(content))


class TestWorkerLock:
    def test_second_holder_is_refused_until_release(self, sessions: SessionFactory) -> None:
        with worker_lock(sessions.engine) as first:
            assert first is True
            with worker_lock(sessions.engine) as second:
                assert second is False
        with worker_lock(sessions.engine) as again:
            assert again is True


class TestConcurrentIdempotentRetries:
    def test_same_key_in_parallel_writes_once(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        url = f"/api/v1/batches/{batch['id']}/events"
        headers = auth(key) | {"Idempotency-Key": "parallel-retry"}

        def post(_: int) -> tuple[int, dict[str, object]]:
            response = client.post(url, json=event_body("storage"), headers=headers)
            return response.status_code, response.json()

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(post, range(6)))
        created = [body for status, body in results if status == 201]
        assert created and all(body == created[0] for body in created)
        # A loser of the race gets a retryable 409, never a 500 or a second record.
        assert {status for status, _ in results} <= {201, 409}
        with sessions.read() as session:
            count = len(session.scalars(select(Record).where(Record.batch_id == batch["id"])).all())
        assert count == 1
