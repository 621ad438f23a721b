"""What input is accepted: event and production times inside a window, and free
text without control or bidirectional formatting characters. Each refusal is a 422 naming the
field, on every route and implementation that takes the value, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.db.engine import SessionFactory
from service.db.models import Batch, Complaint, Product, Record
from tests.builders import auth, event_body, make_batch, make_org, make_product, random_lot

PROBLEM = "application/problem+json"
EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
# How a single event can arrive: the fast lane (plain JSON with a key), the FastAPI route
# (the lane hands it anything with an Idempotency-Key), or as one row of a bulk import.
ROUTES = ["fast-lane", "route", "bulk"]


def _counts(sessions: SessionFactory) -> tuple[int, ...]:
    with sessions.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Product, Batch, Record, Complaint)
        )


def _fields(response: Any, status: int = 422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["detail"]
    return [e["field"] for e in problem.get("errors", [])]


def _post_event(
    client: TestClient, key: str, batch_id: int, body: dict[str, Any], route: str
) -> Any:
    url = f"/api/v1/batches/{batch_id}/events"
    if route == "bulk":
        return client.post(f"{url}:bulk", json={"events": [body]}, headers=auth(key))
    headers = auth(key) | ({"Idempotency-Key": random_lot()} if route == "route" else {})
    return client.post(url, json=body, headers=headers)


def _refused(
    client: TestClient, sessions: SessionFactory, body: dict[str, Any], route: str, field: str
) -> None:
    _, key = make_org(sessions)
    batch = make_batch(client, key)
    before = _counts(sessions)
    response = _post_event(client, key, batch["id"], body, route)
    assert field in _fields(response)
    if route == "bulk":
        assert response.json()["errors"][0]["row"] == 0
    assert _counts(sessions) == before


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class TestEventTimeWindow:
    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize(
        "when",
        [
            *EXTREMES,
            "1999-12-31T23:59:59Z",  # before the window's default start
            "2000-01-01T08:59:59+09:00",  # the same instant, at an offset
            "in 3 hours",  # past the hour allowed ahead (made when the test runs)
        ],
    )
    def test_out_of_window_times_are_422_naming_the_field(
        self, client: TestClient, sessions: SessionFactory, route: str, when: str
    ) -> None:
        if when == "in 3 hours":
            when = _iso(datetime.now(UTC) + timedelta(hours=3))
        _refused(client, sessions, event_body() | {"event_time": when}, route, "event_time")

    @pytest.mark.parametrize("route", ROUTES)
    def test_times_inside_the_window_are_recorded(
        self, client: TestClient, sessions: SessionFactory, route: str
    ) -> None:
        _, key = make_org(sessions)
        # Produced when the window opens, so that no event in it predates the lot.
        body = {"gtin": make_product(client, key), "lot": random_lot(), "quantity": 5,
                "unit": "KGM", "produced_at": "2000-01-01T00:00:00Z"}  # fmt: skip
        batch = client.post("/api/v1/batches", json=body, headers=auth(key)).json()
        for when in ("2000-01-01T00:00:00Z", _iso(datetime.now(UTC) + timedelta(minutes=30))):
            response = _post_event(
                client, key, batch["id"], event_body() | {"event_time": when}, route
            )
            assert response.status_code == 201, response.text

    @pytest.mark.parametrize("when", [*EXTREMES, "1999-12-31T23:59:59Z"])
    def test_transformations(self, client: TestClient, sessions: SessionFactory, when: str) -> None:
        _, key = make_org(sessions)
        gtin = make_product(client, key)
        source = make_batch(client, key, gtin=gtin)
        body = {
            "inputs": [{"batch_id": source["id"], "quantity": 1}],
            "output": {"gtin": gtin, "lot": random_lot(), "quantity": 1, "unit": "KGM",
                       "produced_at": "2026-11-02T08:00:00+08:00"},
            "event_time": when,
            "location": "Mill 1",
        }  # fmt: skip
        before = _counts(sessions)
        response = client.post("/api/v1/transformations", json=body, headers=auth(key))
        assert _fields(response) == ["event_time"]
        assert _counts(sessions) == before

    @pytest.mark.parametrize("when", [*EXTREMES, "1999-12-31T23:59:59Z", "in 3 hours"])
    def test_batch_production_times(
        self, client: TestClient, sessions: SessionFactory, when: str
    ) -> None:
        # A lot cannot have been produced in the future, nor before the window opens.
        if when == "in 3 hours":
            when = _iso(datetime.now(UTC) + timedelta(hours=3))
        _, key = make_org(sessions)
        body = {"gtin": make_product(client, key), "lot": random_lot(), "quantity": 5,
                "unit": "KGM", "produced_at": when}  # fmt: skip
        before = _counts(sessions)
        response = client.post("/api/v1/batches", json=body, headers=auth(key))
        assert _fields(response) == ["produced_at"]
        assert _counts(sessions) == before


UNSAFE = ["\x00", "\x1b[2J", "\u202e", "\u2066"]


class TestUnsafeText:
    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("bad", UNSAFE)
    def test_event_location(
        self, client: TestClient, sessions: SessionFactory, route: str, bad: str
    ) -> None:
        body = event_body() | {"location": f"Plant {bad}2"}
        _refused(client, sessions, body, route, "location")

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize(
        "details", [{"note": "ok\u202egnp.exe"}, {"a": [{"b": "\x00"}]}, {"k\u2067": 1}]
    )
    def test_strings_inside_details(
        self, client: TestClient, sessions: SessionFactory, route: str, details: dict[str, Any]
    ) -> None:
        _refused(client, sessions, event_body() | {"details": details}, route, "details")

    def test_multi_line_details_and_right_to_left_text_are_kept(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        details = {"note": "line 1\r\n\tline 2", "name": "\u05e9\u05dc\u05d5\u05dd \u200f"}
        body = event_body(**details) | {"location": "\u0645\u0635\u0646\u0639 2"}
        response = client.post(
            f"/api/v1/batches/{batch['id']}/events", json=body, headers=auth(key)
        )
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("bad", UNSAFE)
    def test_product_name_and_description(
        self, client: TestClient, sessions: SessionFactory, bad: str
    ) -> None:
        _, key = make_org(sessions)
        before = _counts(sessions)
        for field in ("name", "description"):
            body = {"gtin": "09506000134352", "name": "Tea"} | {field: f"Green {bad}tea"}
            response = client.post("/api/v1/products", json=body, headers=auth(key))
            assert _fields(response) == [field]
            assert "U+" in response.json()["detail"]
        assert _counts(sessions) == before

    @pytest.mark.parametrize("bad", UNSAFE)
    def test_complaints_by_form_and_json(
        self, client: TestClient, sessions: SessionFactory, bad: str
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        link = f"/01/{batch['gtin']}/10/{batch['lot']}"
        before = _counts(sessions)
        body = {"link": link, "category": "quality", "description": f"Smells {bad}of smoke."}
        assert _fields(client.post("/api/v1/complaints", json=body)) == ["description"]
        form = body | {"contact": "", "lang": "en"}
        page = client.post("/complaints", data=form, follow_redirects=False)
        assert page.status_code == 422 and "description" in page.text
        assert _counts(sessions) == before


class TestProductionTimeOfTransformationOutputs:
    def test_an_output_produced_in_the_future_is_refused_naming_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        gtin = make_product(client, key)
        source = make_batch(client, key, gtin=gtin)
        future = _iso(datetime.now(UTC) + timedelta(days=2))
        body = {
            "inputs": [{"batch_id": source["id"], "quantity": 1}],
            "output": {"gtin": gtin, "lot": random_lot(), "quantity": 1, "unit": "KGM",
                       "produced_at": future},
            "event_time": "2026-11-04T09:30:00+08:00",
            "location": "Mill 1",
        }  # fmt: skip
        before = _counts(sessions)
        response = client.post("/api/v1/transformations", json=body, headers=auth(key))
        assert _fields(response) == ["output.produced_at"]
        assert _counts(sessions) == before

    def test_a_lot_produced_a_few_minutes_ahead_is_accepted(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        # Within the clock skew the window allows (LOTPROOF_EVENT_TIME_MAX_AHEAD_S).
        _, key = make_org(sessions)
        soon = _iso(datetime.now(UTC) + timedelta(minutes=5))
        body = {"gtin": make_product(client, key), "lot": random_lot(), "quantity": 5,
                "unit": "KGM", "produced_at": soon}  # fmt: skip
        assert client.post("/api/v1/batches", json=body, headers=auth(key)).status_code == 201
