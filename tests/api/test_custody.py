"""Custody: who may record what, and how shipping and receiving move a batch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from tests.builders import auth, event_body, make_batch, make_org, post_event


def record(client: TestClient, key: str, batch_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/batches/{batch_id}/events", json=body, headers=auth(key))


@pytest.fixture
def parties(sessions: SessionFactory) -> dict[str, tuple[str, str]]:
    return {
        "owner": make_org(sessions, OrgRole.supplier),
        "carrier": make_org(sessions, OrgRole.logistics),
        "shop": make_org(sessions, OrgRole.retailer),
        "inspector": make_org(sessions, OrgRole.inspector),
        "stranger": make_org(sessions, OrgRole.logistics),
    }


def ship(to: str) -> dict[str, Any]:
    return event_body("shipping", hours=3) | {"receiver": to}


class TestCustody:
    def test_the_batch_travels_and_custody_follows(
        self, client: TestClient, parties: dict[str, tuple[str, str]]
    ) -> None:
        (owner_slug, owner), (carrier_slug, carrier) = parties["owner"], parties["carrier"]
        (shop_slug, shop), (_, stranger) = parties["shop"], parties["stranger"]
        batch = make_batch(client, owner)
        bid = batch["id"]
        post_event(client, owner, bid, event_body("production"))
        assert record(client, carrier, bid, event_body("storage")).status_code == 403
        post_event(client, owner, bid, ship(carrier_slug))
        # In transit: nobody but the named receiver can take it, and it can't ship twice.
        assert record(client, stranger, bid, event_body("receiving")).status_code == 403
        assert record(client, owner, bid, ship(shop_slug)).status_code == 409
        post_event(client, carrier, bid, event_body("receiving", hours=5))
        # Custody moved: the carrier records logistics events, the owner no longer can.
        temperature = event_body("temperature", hours=6) | {"temperature_c": 4.5}
        post_event(client, carrier, bid, temperature)
        denied = record(client, owner, bid, event_body("storage", hours=7))
        assert denied.status_code == 403 and "custodian" in denied.json()["detail"]
        post_event(client, carrier, bid, ship(shop_slug) | {"event_time": "2026-11-03T08:00:00Z"})
        post_event(client, shop, bid, event_body("receiving", hours=30))
        # The owner keeps production-side events wherever the batch is.
        assert record(client, owner, bid, event_body("packing", hours=31)).status_code == 201
        assert record(client, shop, bid, event_body("packing", hours=31)).status_code == 403

        chain = client.get(f"/api/v1/batches/{bid}/custody", headers=auth(shop)).json()
        assert chain["custodian"]["slug"] == shop_slug and chain["in_transit_to"] is None
        assert [p["custodian"]["slug"] for p in chain["periods"]] == [
            owner_slug,
            carrier_slug,
            shop_slug,
        ]
        assert chain["periods"][0]["until"] == chain["periods"][1]["since"]
        assert [(h["sender"]["slug"], h["receiver"]["slug"]) for h in chain["handovers"]] == [
            (owner_slug, carrier_slug),
            (carrier_slug, shop_slug),
        ]
        assert all(h["received_at"] for h in chain["handovers"])

    def test_records_name_the_parties_and_the_reading(
        self, client: TestClient, parties: dict[str, tuple[str, str]]
    ) -> None:
        (_, owner), (carrier_slug, carrier) = parties["owner"], parties["carrier"]
        batch = make_batch(client, owner)
        post_event(client, owner, batch["id"], ship(carrier_slug))
        post_event(client, carrier, batch["id"], event_body("receiving", hours=4))
        frozen = event_body("temperature", hours=5) | {"temperature_c": -18}
        post_event(client, carrier, batch["id"], frozen)
        audit = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(owner)).json()
        shipped, received, reading = (i["record"]["event"] for i in audit["items"])
        assert shipped["destinationList"] == [
            {"type": "possessing_party", "destination": f"urn:lotproof:org:{carrier_slug}"}
        ]
        assert received["sourceList"][0]["source"].endswith(
            shipped["sourceList"][0]["source"][-10:]
        )
        assert reading["sensorElementList"][0]["sensorReport"][0] == {
            "type": "Temperature",
            "value": -18,
            "uom": "CEL",
        }

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (event_body("shipping"), "receiver"),
            (event_body("storage") | {"receiver": "someone"}, "receiver"),
            (event_body("temperature"), "temperature_c"),
            (event_body("shipping") | {"receiver": "no-such-org"}, "receiver"),
        ],
    )
    def test_type_specific_fields_are_named(
        self, client: TestClient, parties: dict[str, tuple[str, str]], body: Any, field: str
    ) -> None:
        _, owner = parties["owner"]
        batch = make_batch(client, owner)
        response = record(client, owner, batch["id"], body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_inspector_and_permission_matrix(
        self, client: TestClient, parties: dict[str, tuple[str, str]]
    ) -> None:
        _, owner = parties["owner"]
        batch = make_batch(client, owner)
        expected = {
            ("inspector", "inspection"): 201,
            ("inspector", "production"): 403,
            ("inspector", "storage"): 403,
            ("stranger", "inspection"): 403,
            ("stranger", "production"): 403,
            ("stranger", "receiving"): 403,
            ("owner", "receiving"): 403,
            ("owner", "storage"): 201,
        }
        for (who, kind), status in expected.items():
            response = record(client, parties[who][1], batch["id"], event_body(kind))
            assert response.status_code == status, (who, kind, response.text)
