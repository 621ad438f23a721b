"""Records that make sense (issue 20, part 4): no event before its lot was produced, no receipt
before its shipment, units of measure from UN/ECE Recommendation 20 with a sensible quantity.
Each refusal is a 422 naming the field, with the rule in its message, on every route that
takes the value, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.app import create_app
from service.batches.units import CODES, UNITS
from service.client.importer import ImportRejected, read_plan
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Batch, OrgRole, Record
from service.events.group import EventPost, record_posted_events
from service.events.schemas import EventCreate
from service.records.window import EventTimeWindow
from tests.builders import (
    auth,
    chain_of,
    event_body,
    make_batch,
    make_org,
    make_product,
    post_event,
    random_lot,
)

PROBLEM = "application/problem+json"
# How a single event can arrive: the fast lane, the FastAPI route (with an Idempotency-Key),
# or as one row of a bulk import.
ROUTES = ["fast-lane", "route", "bulk"]
# make_batch's lots are produced at 2026-11-02T08:00+08:00, i.e. 00:00 UTC; event_body's
# hour 0 is 08:00 UTC.
PRODUCED = datetime(2026, 11, 2, tzinfo=UTC)


def _counts(sessions: SessionFactory) -> tuple[int, ...]:
    with sessions.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Batch, Record)
        )


def _problem(response: Any, field: str) -> str:
    """The refusal's message, after checking it is a 422 naming ``field`` (first)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    error = problem["errors"][0]
    assert error["field"] == field, problem
    return str(error["message"])


def _post(client: TestClient, key: str, batch_id: int, body: dict[str, Any], route: str) -> Any:
    url = f"/api/v1/batches/{batch_id}/events"
    if route == "bulk":
        return client.post(f"{url}:bulk", json={"events": [body]}, headers=auth(key))
    headers = auth(key) | ({"Idempotency-Key": random_lot()} if route == "route" else {})
    return client.post(url, json=body, headers=headers)


def _at(moment: datetime) -> dict[str, str]:
    return {"event_time": moment.isoformat()}


def _transformation(
    inputs: list[int], event_time: str, produced_at: str = "2026-11-04T08:00:00+08:00", **out: Any
) -> dict[str, Any]:
    return {
        "inputs": [{"batch_id": batch_id, "quantity": 1} for batch_id in inputs],
        "output": {"gtin": out.pop("gtin"), "lot": random_lot(), "quantity": 1, "unit": "KGM",
                   "produced_at": produced_at} | out,
        "event_time": event_time,
        "location": "Mill 1",
    }  # fmt: skip


class TestNoEventBeforeTheLotWasProduced:
    @pytest.mark.parametrize("route", ROUTES)
    def test_an_event_the_day_before_is_refused_naming_event_time(
        self, client: TestClient, sessions: SessionFactory, route: str
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        before = _counts(sessions)
        body = event_body("production") | _at(PRODUCED - timedelta(days=1))
        message = _problem(_post(client, key, batch["id"], body, route), "event_time")
        assert f"before the production of lot {batch['lot']}" in message
        assert "2026-11-02T00:00:00Z" in message and "1 h allowed" in message
        if route == "bulk":
            assert _post(client, key, batch["id"], body, route).json()["errors"][0]["row"] == 0
        assert _counts(sessions) == before

    @pytest.mark.parametrize("route", ROUTES)
    def test_within_the_clock_skew_allowed_it_is_recorded(
        self, client: TestClient, sessions: SessionFactory, route: str
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        for moment in (PRODUCED - timedelta(minutes=59), PRODUCED):
            response = _post(client, key, batch["id"], event_body("packing") | _at(moment), route)
            assert response.status_code == 201, response.text

    def test_every_kind_of_event_is_held_to_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        # A carrier's receipt too, not only the owner's production-side events.
        _, owner = make_org(sessions)
        carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
        batch = make_batch(client, owner)
        early = PRODUCED - timedelta(hours=2)
        shipment = event_body("shipping") | {"receiver": carrier_slug}
        post_event(client, owner, batch["id"], shipment)
        for key, kind in ((carrier, "receiving"), (owner, "inspection"), (owner, "storage")):
            body = event_body(kind, result="pass") | _at(early)
            url = f"/api/v1/batches/{batch['id']}/events"
            _problem(client.post(url, json=body, headers=auth(key)), "event_time")

    def test_the_tolerance_is_a_setting(self, settings: Settings, sessions: SessionFactory) -> None:
        strict = settings.model_copy(update={"event_time_before_production_s": 0.0})
        with TestClient(create_app(strict)) as client:
            _, key = make_org(sessions)
            batch = make_batch(client, key)
            body = event_body("packing") | _at(PRODUCED - timedelta(seconds=1))
            message = _problem(_post(client, key, batch["id"], body, "fast-lane"), "event_time")
            assert "0 h allowed" in message
            assert _post(client, key, batch["id"], body | _at(PRODUCED), "fast-lane").is_success

    def test_a_lot_produced_long_ago_is_judged_without_overflow(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        # A row from before the window existed (produced in year 1) accepts later events.
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        with sessions.write() as session, session.begin():
            row = session.get(Batch, batch["id"])
            assert row is not None
            row.produced_at = datetime(1, 1, 1, tzinfo=UTC)
        assert _post(client, key, batch["id"], event_body(), "fast-lane").status_code == 201


class TestTransformations:
    @pytest.fixture
    def owner(self, sessions: SessionFactory) -> str:
        return make_org(sessions)[1]

    def test_an_input_produced_after_the_transformation_is_refused(
        self, client: TestClient, sessions: SessionFactory, owner: str
    ) -> None:
        gtin = make_product(client, owner)
        old, new = make_batch(client, owner, gtin=gtin), make_batch(client, owner, gtin=gtin)
        with sessions.write() as session, session.begin():
            row = session.get(Batch, new["id"])
            assert row is not None
            row.produced_at = datetime(2026, 11, 5, tzinfo=UTC)
        before = _counts(sessions)
        body = _transformation([old["id"], new["id"]], "2026-11-04T09:30:00+08:00", gtin=gtin)
        response = client.post("/api/v1/transformations", json=body, headers=auth(owner))
        message = _problem(response, "event_time")
        assert f"production of lot {new['lot']}" in message
        assert _counts(sessions) == before

    def test_an_output_produced_after_the_transformation_is_refused(
        self, client: TestClient, sessions: SessionFactory, owner: str
    ) -> None:
        gtin = make_product(client, owner)
        source = make_batch(client, owner, gtin=gtin)
        before = _counts(sessions)
        body = _transformation(
            [source["id"]], "2026-11-03T09:30:00+08:00", "2026-11-04T09:30:00+08:00", gtin=gtin
        )
        response = client.post("/api/v1/transformations", json=body, headers=auth(owner))
        message = _problem(response, "event_time")
        assert f"production of lot {body['output']['lot']}" in message
        assert _counts(sessions) == before

    def test_an_output_produced_as_it_is_made_is_accepted(
        self, client: TestClient, owner: str
    ) -> None:
        gtin = make_product(client, owner)
        source = make_batch(client, owner, gtin=gtin)
        at = "2026-11-04T09:30:00+08:00"
        body = _transformation([source["id"]], at, at, gtin=gtin)
        response = client.post("/api/v1/transformations", json=body, headers=auth(owner))
        assert response.status_code == 201, response.text


@pytest.fixture
def handover(
    client: TestClient, sessions: SessionFactory
) -> Iterator[tuple[dict[str, Any], str, str, str]]:
    """A batch and its owner's key, a carrier's slug and key: the owner has shipped it to the
    carrier at hour 3 (11:00 UTC)."""
    _, owner = make_org(sessions)
    carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
    batch = make_batch(client, owner)
    post_event(client, owner, batch["id"], event_body("shipping", 3) | {"receiver": carrier_slug})
    yield batch, owner, carrier_slug, carrier


class TestNoReceiptBeforeItsShipment:
    @pytest.mark.parametrize("route", ROUTES)
    def test_a_receipt_an_hour_before_its_shipment_is_refused(
        self,
        client: TestClient,
        sessions: SessionFactory,
        handover: tuple[dict[str, Any], str, str, str],
        route: str,
    ) -> None:
        batch, _, _, carrier = handover
        before = _counts(sessions)
        receipt = event_body("receiving", 2)
        message = _problem(_post(client, carrier, batch["id"], receipt, route), "event_time")
        assert "receipt must not be before its shipment (2026-11-02T11:00:00Z)" in message
        assert _counts(sessions) == before
        # Still in transit to the carrier, who records the receipt at the right time.
        received = _post(client, carrier, batch["id"], event_body("receiving", 3), route)
        assert received.status_code == 201, received.text

    def test_the_latest_shipment_is_the_one_that_counts(
        self,
        client: TestClient,
        sessions: SessionFactory,
        handover: tuple[dict[str, Any], str, str, str],
    ) -> None:
        batch, _, _, carrier = handover
        shop_slug, shop = make_org(sessions, OrgRole.retailer)
        post_event(client, carrier, batch["id"], event_body("receiving", 4))
        post_event(
            client, carrier, batch["id"], event_body("shipping", 20) | {"receiver": shop_slug}
        )
        url = f"/api/v1/batches/{batch['id']}/events"
        early = client.post(url, json=event_body("receiving", 10), headers=auth(shop))
        assert "2026-11-03T04:00:00Z" in _problem(early, "event_time")
        assert client.post(url, json=event_body("receiving", 21), headers=auth(shop)).is_success

    def test_a_shipment_and_its_receipt_in_one_group_of_posts(
        self, settings: Settings, client: TestClient, sessions: SessionFactory
    ) -> None:
        # Concurrent single posts share a transaction: the receipt is checked before the
        # shipment's record is written, and the rule still holds.
        _, owner = make_org(sessions)
        carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
        first, second = make_batch(client, owner), make_batch(client, owner)

        def post(key: str, batch: dict[str, Any], body: dict[str, Any]) -> EventPost:
            return EventPost(key, batch["id"], EventCreate.model_validate(body))

        ship = event_body("shipping", 5) | {"receiver": carrier_slug}
        posts = [
            post(owner, first, ship),
            post(carrier, first, event_body("receiving", 4)),  # before the shipment above
            post(owner, second, ship),
            post(carrier, second, event_body("receiving", 5)),
        ]
        window = EventTimeWindow.from_settings(settings)
        with sessions.write() as session:
            outcomes = record_posted_events(session, posts, window=window)
            session.commit()
        statuses = [getattr(o, "status_code", None) for o in outcomes]
        assert statuses == [201, 422, 201, 201]
        assert getattr(outcomes[1], "field", None) == "event_time"
        assert chain_of(sessions, first["id"]) == [0]
        assert chain_of(sessions, second["id"]) == [0, 1]


def _batch_body(gtin: str, unit: Any, quantity: Any = 5) -> dict[str, Any]:
    return {"gtin": gtin, "lot": random_lot(), "quantity": quantity, "unit": unit,
            "produced_at": "2026-11-02T08:00:00+08:00"}  # fmt: skip


class TestUnitsOfMeasure:
    @pytest.mark.parametrize("unit", ["ZZZ", "kg", "KG", "kgm", "CEL", "", "KGM "])
    def test_a_unit_not_in_the_table_is_refused_naming_unit(
        self, client: TestClient, sessions: SessionFactory, unit: str
    ) -> None:
        # CEL (degree Celsius) is Rec. 20, but nothing is counted in it.
        _, key = make_org(sessions)
        gtin = make_product(client, key)
        before = _counts(sessions)
        response = client.post("/api/v1/batches", json=_batch_body(gtin, unit), headers=auth(key))
        message = _problem(response, "unit")
        assert "UN/ECE Recommendation 20" in message and "KGM" in message
        assert _counts(sessions) == before

    def test_every_unit_in_the_table_is_accepted(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        gtin = make_product(client, key)
        for code in CODES:
            body = _batch_body(gtin, code, max(UNITS[code].least, 1))
            response = client.post("/api/v1/batches", json=body, headers=auth(key))
            assert response.status_code == 201, (code, response.text)
            assert response.json()["unit"] == code

    def test_the_table_is_in_the_openapi_document(self, client: TestClient) -> None:
        schema = client.get("/openapi.json").json()["components"]["schemas"]["BatchCreate"]
        assert schema["properties"]["unit"]["enum"] == CODES

    @pytest.mark.parametrize(
        ("quantity", "unit"), [(0, "KGM"), (-1, "H87"), (2e8, "KGM"), (0.5, "XBX"), (1e11, "LTR")]
    )
    def test_a_quantity_out_of_range_is_refused_naming_quantity(
        self, client: TestClient, sessions: SessionFactory, quantity: float, unit: str
    ) -> None:
        _, key = make_org(sessions)
        body = _batch_body(make_product(client, key), unit, quantity)
        response = client.post("/api/v1/batches", json=body, headers=auth(key))
        _problem(response, "quantity")

    def test_a_transformation_output_names_output_unit(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        gtin = make_product(client, key)
        source = make_batch(client, key, gtin=gtin)
        before = _counts(sessions)
        body = _transformation([source["id"]], "2026-11-04T09:30:00+08:00", gtin=gtin, unit="ZZZ")
        response = client.post("/api/v1/transformations", json=body, headers=auth(key))
        _problem(response, "output.unit")
        assert _counts(sessions) == before

    def test_a_csv_import_names_the_line_and_unit(self, tmp_path: Path) -> None:
        path = tmp_path / "lots.csv"
        path.write_text(
            "kind,batch,gtin,lot,quantity,unit,produced_at,type,time,location,receiver,"
            "temperature_c,details_json\n"
            "batch,,09506000134352,L1,100,KGM,2026-11-02T08:00:00+08:00,,,,,,\n"
            "batch,,09506000134352,L2,100,ZZZ,2026-11-02T08:00:00+08:00,,,,,,\n",
            encoding="utf-8",
        )
        with pytest.raises(ImportRejected) as refused:
            read_plan(path)
        [problem] = refused.value.problems
        assert problem.line == 3 and problem.message.startswith("unit: ")
