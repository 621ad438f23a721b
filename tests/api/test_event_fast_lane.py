"""The single-event POST has one implementation (``service.events.single``): the fast lane
(``service.events.fastlane``) answers every such POST with it, and the FastAPI route, which
documents the operation, calls the same code. These tests drive both with the same requests
and compare the answers, and check that the lane lets every other request through untouched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.db.base import MAX_ROW_ID
from service.db.engine import SessionFactory
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


def call(
    asgi: ASGIApp, client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """(status, body) of ``asgi``'s answer to one request, on the app ``client`` runs."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": client.app,
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asgi(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, answer


JSON = {"Content-Type": "application/json"}
EVENT = json.dumps(event_body("production")).encode()


def comparable(status: int, answer: bytes) -> tuple[int, Any]:
    """The answer without what differs between two equal requests (ids, digests, times)."""
    body = json.loads(answer) if answer else None
    if status == 201:
        return status, {k: v for k, v in body.items() if k in {"n", "type", "status"}}
    return status, body


# (case, path of a batch id, body, headers beyond the owner's key and JSON)
Case = tuple[str, Callable[[int], str], bytes, dict[str, str]]
CASES: list[Case] = [
    ("plain", lambda b: f"/api/v1/batches/{b}/events", EVENT, {}),
    ("invalid body", lambda b: f"/api/v1/batches/{b}/events", b'{"type": "nonsense"}', {}),
    ("not JSON", lambda b: f"/api/v1/batches/{b}/events", b"type=production", {}),
    ("empty", lambda b: f"/api/v1/batches/{b}/events", b"", {}),
    ("text body", lambda b: f"/api/v1/batches/{b}/events", EVENT, {"Content-Type": "text/plain"}),
    ("idempotent", lambda b: f"/api/v1/batches/{b}/events", EVENT, {"Idempotency-Key": "k-7"}),
    ("long key", lambda b: f"/api/v1/batches/{b}/events", EVENT, {"Idempotency-Key": "k" * 256}),
    ("no key", lambda b: f"/api/v1/batches/{b}/events", EVENT, {"Authorization": ""}),
    ("bad scheme", lambda b: f"/api/v1/batches/{b}/events", EVENT, {"Authorization": "Basic x"}),
    ("unknown key", lambda b: f"/api/v1/batches/{b}/events", b"{}", auth("lp_x_y_z")),
    ("id too big", lambda b: f"/api/v1/batches/{MAX_ROW_ID + 1}/events", EVENT, {}),
    ("id zero", lambda b: "/api/v1/batches/0/events", EVENT, {}),
    ("id not a number", lambda b: "/api/v1/batches/abc/events", EVENT, {}),
    ("no such batch", lambda b: f"/api/v1/batches/{MAX_ROW_ID}/events", EVENT, {}),
]


@pytest.mark.parametrize(("case", "path_of", "body", "headers"), CASES, ids=[c[0] for c in CASES])
def test_the_lane_and_the_route_answer_alike(
    client: TestClient,
    sessions: SessionFactory,
    case: str,
    path_of: Callable[[int], str],
    body: bytes,
    headers: dict[str, str],
) -> None:
    answers = []
    # The route, as routing reaches it without the lane; then the lane (each with its own
    # organisation and batch, so idempotency keys and record numbers start afresh).
    for asgi in (AsyncExitStackMiddleware(client.app.router), EventFastLane(Downstream())):
        _, key = make_org(sessions)
        batch_id = make_batch(client, key)["id"]
        all_headers = JSON | auth(key) | headers
        answers.append(
            comparable(*call(asgi, client, "POST", path_of(batch_id), body, all_headers))
        )
        if case == "idempotent":  # the retry replays the first answer
            again = comparable(*call(asgi, client, "POST", path_of(batch_id), body, all_headers))
            assert again == answers[-1]
    route, lane = answers
    assert lane == route
    assert lane[0] != 299, "the lane passed a single-event POST on"


def test_refusals_come_in_the_order_of_every_write_route(
    client: TestClient, sessions: SessionFactory
) -> None:
    """A bad key is refused before a bad body is described; a stranger's good body is a 403."""
    _, key = make_org(sessions)
    _, stranger = make_org(sessions)
    batch_id = make_batch(client, key)["id"]
    url = f"/api/v1/batches/{batch_id}/events"
    unknown = client.post(url, content=b'{"type": 1}', headers=JSON | auth("lp_a_b_c"))
    assert unknown.status_code == 401
    invalid = client.post(url, content=b'{"type": 1}', headers=JSON | auth(key))
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} >= {"type", "event_time", "location"}
    foreign = client.post(url, json=event_body("production"), headers=auth(stranger))
    assert foreign.status_code == 403
    text = client.post(url, content=EVENT, headers={"Content-Type": "text/plain"} | auth(key))
    assert text.status_code == 415 and text.json()["errors"][0]["field"] == "Content-Type"
    assert chain_of(sessions, batch_id) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/batches/1/events:bulk"),
        ("GET", "/api/v1/batches/1/events"),
        ("POST", "/api/v1/batches/1/events/2"),
        ("POST", "/api/v1/batches"),
    ],
)
def test_every_other_request_goes_on_untouched(client: TestClient, method: str, path: str) -> None:
    downstream = Downstream()
    status, _ = call(EventFastLane(downstream), client, method, path, EVENT, JSON)
    assert status == 299
    assert downstream.bodies == [EVENT]


def test_through_the_whole_app_answers_carry_the_apps_headers(
    client: TestClient, sessions: SessionFactory
) -> None:
    _, key = make_org(sessions)
    url = f"/api/v1/batches/{make_batch(client, key)['id']}/events"
    created = client.post(url, json=event_body("production"), headers=auth(key))
    refused = client.post(url, content=b"{}", headers=JSON | auth(key))
    assert (created.status_code, refused.status_code) == (201, 422)
    assert created.headers["content-type"] == "application/json"
    assert refused.headers["content-type"] == "application/problem+json"
    for response in (created, refused):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_operation_is_documented_as_before(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/batches/{batch_id}/events"]
    post = operation["post"]
    assert [p["name"] for p in post["parameters"]] == ["batch_id", "Idempotency-Key"]
    assert post["security"] == [{"apiKey": []}]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["type", "event_time", "location"]
    components = client.get("/openapi.json").json()["components"]["schemas"]
    assert "SamplingInspection" in components
    assert {"201", "401", "403", "415", "422"} <= set(post["responses"])
