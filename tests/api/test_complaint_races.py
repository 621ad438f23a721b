"""Issue 18, finding 11 (complaints): the tracking page never shows path text, and concurrent
requests cannot pass a complaint's state machine or a source's hourly limit."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Complaint
from tests.builders import auth, make_batch, make_org

LIMIT = 3


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": LIMIT, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


def complaint_body(batch: dict[str, Any]) -> dict[str, str]:
    return {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "quality",
        "description": "The tea smells of smoke.",
    }


def fresh_address() -> str:
    """An address in a /24 no other test uses: a source of its own."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.1"


def at_once(count: int, call: Any) -> list[Any]:
    """Run ``call(i)`` in ``count`` threads released together."""
    start = threading.Barrier(count)

    def run(i: int) -> Any:
        start.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


class TestTrackingPage:
    @pytest.mark.parametrize(
        "path_text",
        [
            "Call%20+1-555-0100%20for%20a%20refund",
            "%3Cscript%3Ealert(1)",
            "AAAA-BBBB-CCCC-DDDD",
            "x" * 300,
        ],
    )
    def test_unknown_or_malformed_codes_are_404_without_the_path_text(
        self, client: TestClient, path_text: str
    ) -> None:
        for accept in ("text/html", "application/json"):
            response = client.get(f"/complaints/{path_text}", headers={"Accept": accept})
            assert response.status_code == 404
            for fragment in ("555", "script", "DDDD", "xxxxx"):
                assert fragment not in response.text

    def test_a_well_formed_unknown_code_is_not_repeated_either(self, client: TestClient) -> None:
        response = client.get("/complaints/ZZZZ-ZZZZ-ZZZZ", headers={"Accept": "text/html"})
        assert response.status_code == 404 and "ZZZZ" not in response.text


class TestConcurrentTransitions:
    def test_exactly_one_final_state_wins(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        batch = make_batch(client, owner)
        codes = []
        for _ in range(4):
            headers = {"X-Forwarded-For": fresh_address()}
            filed = client.post("/api/v1/complaints", json=complaint_body(batch), headers=headers)
            assert filed.status_code == 201, filed.text
            code = filed.json()["code"]
            ack = {"status": "acknowledged", "reason": "looking into it"}
            url = f"/api/v1/complaints/{code}/transitions"
            assert client.post(url, json=ack, headers=auth(owner)).status_code == 200
            codes.append(code)
        finals = ["resolved", "rejected"]

        def move(i: int) -> tuple[str, str, int]:
            code, status = codes[i // 2], finals[i % 2]
            body = {"status": status, "reason": f"closed as {status}"}
            url = f"/api/v1/complaints/{code}/transitions"
            return code, status, client.post(url, json=body, headers=auth(owner)).status_code

        results = at_once(2 * len(codes), move)
        for code in codes:
            statuses = sorted(status for c, _, status in results if c == code)
            assert statuses == [200, 409], (code, results)
            [winner] = [s for c, s, status in results if c == code and status == 200]
            detail = client.get(f"/api/v1/complaints/{code}", headers=auth(owner)).json()
            assert detail["status"] == winner


class TestConcurrentFilings:
    def test_one_source_never_stores_more_than_its_limit(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        batch = make_batch(client, owner)
        headers = {"X-Forwarded-For": fresh_address()}

        def file(_: int) -> int:
            body = complaint_body(batch)
            return client.post("/api/v1/complaints", json=body, headers=headers).status_code

        statuses = at_once(12, file)
        assert sorted(statuses) == [201] * LIMIT + [429] * (12 - LIMIT)
        with sessions.read() as session:
            query = select(func.count()).where(Complaint.batch_id == batch["id"])
            assert session.scalar(query) == LIMIT
