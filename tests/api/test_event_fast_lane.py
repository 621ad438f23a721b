"""The fast lane for plain single-event POSTs (``service.events.fastlane``): it serves what it
recognises as plain, and hands everything else, body intact, to the FastAPI route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.db.engine import SessionFactory
from service.deps import MAX_ROW_ID
from service.events.fastlane import EventFastLane
from tests.builders import auth, chain_of, event_body, make_batch, make_org


class Downstream:
    """The app behind the lane: notes what reached it and answers 299."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def call_lane(
    client: TestClient,
    path: str,
    body: bytes,
    headers: dict[str, str],
    method: str = "POST",
) -> tuple[int, bytes, Downstream]:
    """(status, body) of the lane's answer to one request, and what reached the app behind."""
    downstream = Downstream()
    lane = EventFastLane(downstream)
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": client.app,
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(lane(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, answer, downstream


JSON = {"Content-Type": "application/json"}
EVENTS = "/api/v1/batches/{id}/events"


@pytest.fixture
def owner(client: TestClient, sessions: SessionFactory) -> dict[str, Any]:
    _, key = make_org(sessions)
    return {"key": key, "batch": make_batch(client, key)}


class TestPlainPosts:
    def test_a_plain_post_is_recorded_by_the_lane(
        self, client: TestClient, sessions: SessionFactory, owner: dict[str, Any]
    ) -> None:
        path = f"/api/v1/batches/{owner['batch']['id']}/events"
        body = json.dumps(event_body("production")).encode()
        status, answer, downstream = call_lane(client, path, body, JSON | auth(owner["key"]))
        assert status == 201 and downstream.bodies == []
        record = json.loads(answer)
        assert record["n"] == 0 and record["status"] == "pending"
        assert record["batch_id"] == owner["batch"]["id"]
        assert chain_of(sessions, owner["batch"]["id"]) == [0]

    def test_its_errors_are_the_apps_own(
        self, client: TestClient, sessions: SessionFactory, owner: dict[str, Any]
    ) -> None:
        _, stranger = make_org(sessions)
        body = json.dumps(event_body("production")).encode()
        own = f"/api/v1/batches/{owner['batch']['id']}/events"
        status, answer, downstream = call_lane(client, own, body, JSON | auth(stranger))
        assert status == 403 and downstream.bodies == []
        assert json.loads(answer)["title"] == "Forbidden"
        missing = f"/api/v1/batches/{MAX_ROW_ID}/events"
        status, answer, _ = call_lane(client, missing, body, JSON | auth(owner["key"]))
        assert status == 404 and json.loads(answer)["status"] == 404
        assert chain_of(sessions, owner["batch"]["id"]) == []

    def test_through_the_whole_app_both_ways_answer_alike(
        self, client: TestClient, owner: dict[str, Any]
    ) -> None:
        url = f"/api/v1/batches/{owner['batch']['id']}/events"
        plain = client.post(url, json=event_body("production"), headers=auth(owner["key"]))
        keyed = client.post(
            url,
            json=event_body("packing"),
            headers=auth(owner["key"]) | {"Idempotency-Key": "k-1"},  # the FastAPI route
        )
        assert plain.status_code == keyed.status_code == 201
        assert plain.json().keys() == keyed.json().keys()
        assert (plain.json()["n"], keyed.json()["n"]) == (0, 1)
        for response in (plain, keyed):
            assert response.headers["content-type"] == "application/json"
            assert response.headers["x-content-type-options"] == "nosniff"


class TestEverythingElseGoesOn:
    @pytest.mark.parametrize(
        ("case", "path_of", "body", "headers", "method"),
        [
            ("invalid body", EVENTS, b'{"type": "nonsense"}', {}, "POST"),
            ("not JSON", EVENTS, b"type=production", {}, "POST"),
            ("idempotency key", EVENTS, None, {"Idempotency-Key": "retry-7"}, "POST"),
            ("no key", EVENTS, None, {"Authorization": ""}, "POST"),
            ("text body", EVENTS, None, {"Content-Type": "text/plain"}, "POST"),
            ("id too big", f"/api/v1/batches/{MAX_ROW_ID + 1}/events", None, {}, "POST"),
            ("bulk", EVENTS + ":bulk", None, {}, "POST"),
            ("read", EVENTS, None, {}, "GET"),
        ],
    )
    def test_with_its_body_intact(
        self,
        client: TestClient,
        sessions: SessionFactory,
        owner: dict[str, Any],
        case: str,
        path_of: str,
        body: bytes | None,
        headers: dict[str, str],
        method: str,
    ) -> None:
        batch_id = owner["batch"]["id"]
        path = path_of.replace("{id}", str(batch_id))
        payload = body if body is not None else json.dumps(event_body("production")).encode()
        all_headers = JSON | auth(owner["key"]) | headers
        status, _, downstream = call_lane(client, path, payload, all_headers, method)
        assert status == 299, case
        if method == "POST":
            assert downstream.bodies == [payload], case
        assert chain_of(sessions, batch_id) == [], case  # the lane wrote nothing
