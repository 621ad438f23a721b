"""Transformations: a new batch made from batches the caller holds, and the trace graph."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Batch, BatchLink, OrgRole, Record
from tests.builders import (
    auth,
    event_body,
    make_batch,
    make_org,
    make_product,
    post_event,
    random_lot,
    scan,
)

Chain = dict[str, Any]


def output(client: TestClient, key: str, quantity: float = 500, **fields: Any) -> dict[str, Any]:
    gtin = fields.pop("gtin", None) or make_product(client, key)
    return {
        "gtin": gtin,
        "lot": random_lot(),
        "quantity": quantity,
        "unit": "KGM",
        "produced_at": "2026-11-04T08:00:00+08:00",
    } | fields


def transform_body(inputs: list[tuple[int, float]], out: dict[str, Any]) -> dict[str, Any]:
    return {
        "inputs": [{"batch_id": batch_id, "quantity": qty} for batch_id, qty in inputs],
        "output": out,
        "event_time": "2026-11-04T09:30:00+08:00",
        "location": "Mill 1",
        "details": {"process": "blend"},
    }


def post_transform(client: TestClient, key: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post("/api/v1/transformations", json=body, headers=auth(key) | headers)


def transform(client: TestClient, key: str, inputs: list[tuple[int, float]]) -> dict[str, Any]:
    response = post_transform(client, key, transform_body(inputs, output(client, key)))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def ship(client: TestClient, key: str, batch_id: int, receiver: str) -> None:
    post_event(client, key, batch_id, event_body("shipping", hours=3) | {"receiver": receiver})


def build_chain(client: TestClient, sessions: SessionFactory) -> Chain:
    """A (processor's own) and B (a farm's, received by the processor) blended into C; C milled
    into D; D repacked into E."""
    processor_slug, processor = make_org(sessions)
    farm_slug, farm = make_org(sessions)
    a, b = make_batch(client, processor), make_batch(client, farm)
    post_event(client, processor, a["id"], event_body("production"))
    post_event(client, farm, b["id"], event_body("production"))
    ship(client, farm, b["id"], processor_slug)
    post_event(client, processor, b["id"], event_body("receiving", hours=5))
    c = transform(client, processor, [(a["id"], 300), (b["id"], 200)])
    d = transform(client, processor, [(c["output"]["id"], 500)])
    e = transform(client, processor, [(d["output"]["id"], 400)])
    return {
        "processor": (processor_slug, processor),
        "farm": (farm_slug, farm),
        "A": a,
        "B": b,
        "C": c,
        "D": d,
        "E": e,
        "ids": {
            "A": a["id"],
            "B": b["id"],
            "C": c["output"]["id"],
            "D": d["output"]["id"],
            "E": e["output"]["id"],
        },
    }


def history(sessions: SessionFactory, batch_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(n, type, hashed event) of each record of the batch."""
    with sessions.read() as session:
        query = select(Record).where(Record.batch_id == batch_id).order_by(Record.n)
        records = session.scalars(query).all()
        return [(r.n, r.event_type, json.loads(r.content or "{}")["event"]) for r in records]


def counts(sessions: SessionFactory) -> tuple[int, ...]:
    with sessions.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Batch, Record, BatchLink)
        )


def get_trace(
    client: TestClient, sessions: SessionFactory, batch_id: int, **params: Any
) -> dict[str, Any]:
    """The trace as an inspector reads it (inspectors see every batch's)."""
    _, inspector = make_org(sessions, OrgRole.inspector)
    response = client.get(
        f"/api/v1/batches/{batch_id}/trace", params=params, headers=auth(inspector)
    )
    assert response.status_code == 200, response.text
    graph: dict[str, Any] = response.json()
    return graph


def levels(graph: dict[str, Any], ids: dict[str, int]) -> dict[str, int]:
    names = {batch_id: name for name, batch_id in ids.items()}
    return {names[node["id"]]: node["level"] for node in graph["nodes"]}


def edges(graph: dict[str, Any], ids: dict[str, int]) -> set[tuple[str, str]]:
    names = {batch_id: name for name, batch_id in ids.items()}
    return {(names[edge["from"]], names[edge["to"]]) for edge in graph["edges"]}


def error_field(response: httpx.Response) -> str:
    field: str = response.json()["errors"][0]["field"]
    return field


class TestTransformationRecords:
    def test_output_history_starts_with_it_and_each_input_history_ends_with_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids, c = chain["ids"], chain["C"]
        assert c["transformation_id"].startswith("urn:uuid:")
        assert c["output"]["record_count"] == 1
        assert c["output"]["owner"] == chain["processor"][0]
        # C was made (n = 0), then milled into D (n = 1): it is an output and an input.
        (n, kind, event), (_, _, milled) = history(sessions, ids["C"])
        assert (n, kind) == (0, "transformation")
        assert milled["transformationID"] == chain["D"]["transformation_id"]
        assert event["type"] == "TransformationEvent"
        assert event["transformationID"] == c["transformation_id"]
        assert (event["bizStep"], event["disposition"]) == ("transforming", "active")
        assert [(q["quantity"], q["uom"]) for q in event["inputQuantityList"]] == [
            (300, "KGM"),
            (200, "KGM"),
        ]
        a_class = f"https://id.gs1.org/01/{chain['A']['gtin']}/10/{chain['A']['lot']}"
        assert event["inputQuantityList"][0]["epcClass"] == a_class
        assert event["outputQuantityList"][0]["quantity"] == 500
        assert event["lp:location"] == "Mill 1" and event["lp:details"] == {"process": "blend"}
        # A: production, transformation; B: production, shipping, receiving, transformation.
        for name, last_n in (("A", 1), ("B", 3)):
            n, kind, input_event = history(sessions, ids[name])[-1]
            assert (n, kind) == (last_n, "transformation")
            assert input_event == event
        refs = [(r["batch_id"], r["n"]) for r in c["records"]]
        assert refs == [(ids["C"], 0), (ids["A"], 1), (ids["B"], 3)]

    def test_one_link_per_input_names_the_transformation(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        with sessions.read() as session:
            query = select(BatchLink).where(BatchLink.output_batch_id == ids["C"])
            links = session.scalars(query.order_by(BatchLink.input_batch_id)).all()
            rows = [(ln.input_batch_id, ln.quantity, ln.transformation_id) for ln in links]
        tid = chain["C"]["transformation_id"]
        assert rows == [(ids["A"], 300, tid), (ids["B"], 200, tid)]

    def test_anchored_output_is_authentic_for_a_shopper(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        chain = build_chain(client, sessions)
        assert scan(client, chain["E"]["output"])["verdict"] == "pending"
        worker.tick()
        facts = scan(client, chain["E"]["output"])
        assert facts["verdict"] == "authentic"
        assert [r["type"] for r in facts["records"]] == ["transformation"]
        assert scan(client, chain["A"])["verdict"] == "authentic"


class TestTrace:
    def test_downstream_from_an_ingredient_reaches_every_product(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        graph = get_trace(client, sessions, ids["A"], direction="downstream")
        assert (graph["root"], graph["direction"], graph["depth"]) == (ids["A"], "downstream", 5)
        assert levels(graph, ids) == {"A": 0, "C": 1, "D": 2, "E": 3}
        assert edges(graph, ids) == {("A", "C"), ("C", "D"), ("D", "E")}
        first = graph["edges"][0]
        assert (first["quantity"], first["unit"]) == (300, "KGM")
        assert first["transformation_id"] == chain["C"]["transformation_id"]
        node = next(n for n in graph["nodes"] if n["id"] == ids["E"])
        assert node["gtin"] == chain["E"]["output"]["gtin"]
        assert (node["lot"], node["product_name"]) == (chain["E"]["output"]["lot"], "Green tea")
        assert (node["owner"], node["quantity"], node["unit"]) == (
            chain["processor"][0],
            500,
            "KGM",
        )

    def test_upstream_from_the_product_reaches_every_ingredient(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        graph = get_trace(client, sessions, ids["E"], direction="upstream")
        assert levels(graph, ids) == {"E": 0, "D": -1, "C": -2, "A": -3, "B": -3}
        assert edges(graph, ids) == {("A", "C"), ("B", "C"), ("C", "D"), ("D", "E")}
        assert [n["level"] for n in graph["nodes"]] == sorted(n["level"] for n in graph["nodes"])
        farm = next(n for n in graph["nodes"] if n["id"] == ids["B"])
        assert farm["owner"] == chain["farm"][0]

    def test_depth_cuts_the_graph(self, client: TestClient, sessions: SessionFactory) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        near = get_trace(client, sessions, ids["E"], direction="upstream", depth=1)
        assert levels(near, ids) == {"E": 0, "D": -1}
        assert edges(near, ids) == {("D", "E")}
        two = get_trace(client, sessions, ids["A"], direction="downstream", depth=2)
        assert levels(two, ids) == {"A": 0, "C": 1, "D": 2}

    def test_both_directions_meet_at_the_root(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        graph = get_trace(client, sessions, ids["C"])  # direction defaults to both
        assert graph["direction"] == "both"
        assert levels(graph, ids) == {"A": -1, "B": -1, "C": 0, "D": 1, "E": 2}
        assert edges(graph, ids) == {("A", "C"), ("B", "C"), ("C", "D"), ("D", "E")}

    def test_a_batch_never_transformed_is_a_lone_node(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        graph = get_trace(client, sessions, batch["id"], direction="both", depth=10)
        assert [(n["id"], n["level"]) for n in graph["nodes"]] == [(batch["id"], 0)]
        assert graph["edges"] == []

    def test_bad_queries_are_named(self, client: TestClient, sessions: SessionFactory) -> None:
        headers = auth(make_org(sessions, OrgRole.inspector)[1])
        assert client.get("/api/v1/batches/999999999/trace", headers=headers).status_code == 404
        too_deep = client.get("/api/v1/batches/1/trace", params={"depth": 11}, headers=headers)
        assert too_deep.status_code == 422 and error_field(too_deep) == "depth"
        sideways = client.get(
            "/api/v1/batches/1/trace", params={"direction": "sideways"}, headers=headers
        )
        assert sideways.status_code == 422 and error_field(sideways) == "direction"


class TestTransformationRules:
    def test_only_the_current_custodian_of_every_input_may_transform(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, processor = make_org(sessions)
        _, stranger = make_org(sessions)
        own, foreign = make_batch(client, processor), make_batch(client, stranger)
        before = counts(sessions)
        body = transform_body([(own["id"], 10), (foreign["id"], 10)], output(client, processor))
        denied = post_transform(client, processor, body)
        assert denied.status_code == 403
        assert f"batch {foreign['id']}" in denied.json()["detail"]
        assert counts(sessions) == before

    def test_the_owner_who_shipped_a_batch_away_no_longer_may(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        _, farm = chain["farm"]
        body = transform_body([(chain["ids"]["B"], 10)], output(client, farm))
        assert post_transform(client, farm, body).status_code == 403

    def test_the_output_product_must_be_the_callers(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, processor = make_org(sessions)
        _, other = make_org(sessions)
        batch = make_batch(client, processor)
        before = counts(sessions)
        foreign_gtin = make_product(client, other)
        body = transform_body([(batch["id"], 10)], output(client, processor, gtin=foreign_gtin))
        assert post_transform(client, processor, body).status_code == 403
        assert counts(sessions) == before

    def test_an_input_cannot_give_more_than_it_holds(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, processor = make_org(sessions)
        a, b = make_batch(client, processor), make_batch(client, processor)
        before = counts(sessions)
        body = transform_body([(a["id"], 1200), (b["id"], 1200.5)], output(client, processor))
        response = post_transform(client, processor, body)
        assert response.status_code == 422 and error_field(response) == "inputs.1.quantity"
        assert counts(sessions) == before

    def test_malformed_inputs_are_named(self, client: TestClient, sessions: SessionFactory) -> None:
        _, processor = make_org(sessions)
        batch = make_batch(client, processor)
        out = output(client, processor)
        cases: list[tuple[list[tuple[int, float]], str]] = [
            ([(batch["id"], 10), (batch["id"], 20)], "inputs"),
            ([], "inputs"),
            ([(batch["id"], 0)], "inputs.0.quantity"),
            ([(999999999, 10)], "inputs.0.batch_id"),
        ]
        for inputs, field in cases:
            response = post_transform(client, processor, transform_body(inputs, out))
            assert response.status_code == 422 and error_field(response) == field, inputs
        extra = transform_body([(batch["id"], 10)], out) | {"note": "x"}
        response = post_transform(client, processor, extra)
        assert response.status_code == 422 and error_field(response) == "note"
        # The output named as one of its own inputs.
        same = out | {"gtin": batch["gtin"], "lot": batch["lot"]}
        response = post_transform(client, processor, transform_body([(batch["id"], 10)], same))
        assert response.status_code == 422 and error_field(response) == "output.lot"

    def test_an_input_in_transit_conflicts(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, processor = make_org(sessions)
        carrier_slug, _ = make_org(sessions, OrgRole.logistics)
        batch = make_batch(client, processor)
        ship(client, processor, batch["id"], carrier_slug)
        before = counts(sessions)
        body = transform_body([(batch["id"], 10)], output(client, processor))
        response = post_transform(client, processor, body)
        assert response.status_code == 409 and "in transit" in response.json()["detail"]
        assert counts(sessions) == before

    def test_it_needs_an_api_key(self, client: TestClient) -> None:
        response = client.post("/api/v1/transformations", json={})
        assert response.status_code == 401


class TestIdempotency:
    def test_a_retry_replays_the_same_transformation(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, processor = make_org(sessions)
        batch = make_batch(client, processor)
        body = transform_body([(batch["id"], 10)], output(client, processor))
        first = post_transform(client, processor, body, **{"Idempotency-Key": "blend-1"})
        assert first.status_code == 201
        after_first = counts(sessions)
        again = post_transform(client, processor, body, **{"Idempotency-Key": "blend-1"})
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["transformation_id"] == first.json()["transformation_id"]
        assert counts(sessions) == after_first
