"""Batches cannot be walked by their sequential row ids (issue 18, finding 11).

The public reaches a batch by the code on the product (GTIN and lot): the consumer page and
its JSON. By row id (the batch, its QR codes and label sheet, its custody chain, its trace) only the
organisations taking part in the batch, inspectors and admins; anyone else gets the answer a
batch that does not exist gets, so the id space reveals nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan

BY_ID = ("", "/qr.png", "/qr.svg", "/labels.pdf", "/custody", "/trace")


def by_id(client: TestClient, batch_id: int, suffix: str, key: str | None) -> Any:
    headers = auth(key) if key is not None else {}
    return client.get(f"/api/v1/batches/{batch_id}{suffix}", headers=headers)


@pytest.fixture
def shipped(client: TestClient, sessions: SessionFactory) -> dict[str, Any]:
    """A batch its owner shipped to a carrier, which received it and sent it on to a shop."""
    _, owner_key = make_org(sessions, OrgRole.supplier)
    carrier_slug, carrier_key = make_org(sessions, OrgRole.logistics)
    shop_slug, shop_key = make_org(sessions, OrgRole.retailer)
    batch = make_batch(client, owner_key)
    post_event(
        client, owner_key, batch["id"], event_body("shipping", 1) | {"receiver": carrier_slug}
    )
    post_event(client, carrier_key, batch["id"], event_body("receiving", 2))
    post_event(
        client, carrier_key, batch["id"], event_body("shipping", 3) | {"receiver": shop_slug}
    )
    return {"batch": batch, "owner": owner_key, "carrier": carrier_key, "shop": shop_key}


class TestReadingABatchById:
    @pytest.mark.parametrize("suffix", BY_ID)
    def test_without_a_key_it_is_401(
        self, client: TestClient, shipped: dict[str, Any], suffix: str
    ) -> None:
        response = by_id(client, shipped["batch"]["id"], suffix, None)
        assert response.status_code == 401, response.text

    @pytest.mark.parametrize("suffix", BY_ID)
    @pytest.mark.parametrize("role", [OrgRole.supplier, OrgRole.logistics, OrgRole.retailer])
    def test_a_stranger_is_told_what_a_missing_batch_tells(
        self,
        client: TestClient,
        sessions: SessionFactory,
        shipped: dict[str, Any],
        suffix: str,
        role: OrgRole,
    ) -> None:
        _, stranger = make_org(sessions, role)
        existing = by_id(client, shipped["batch"]["id"], suffix, stranger)
        missing = by_id(client, 2**31 - 1, suffix, stranger)
        assert existing.status_code == missing.status_code == 404, existing.text

        def shape(response: Any, batch_id: int) -> str:
            return str(response.json()["detail"]).replace(str(batch_id), "N")

        assert shape(existing, shipped["batch"]["id"]) == shape(missing, 2**31 - 1)
        assert shipped["batch"]["lot"] not in existing.text

    @pytest.mark.parametrize("suffix", BY_ID)
    @pytest.mark.parametrize("party", ["owner", "carrier", "shop"])
    def test_every_party_to_the_batch_reads_it(
        self, client: TestClient, shipped: dict[str, Any], suffix: str, party: str
    ) -> None:
        """The owner, a past custodian and the receiver it is in transit to."""
        response = by_id(client, shipped["batch"]["id"], suffix, shipped[party])
        assert response.status_code == 200, (party, response.text)

    @pytest.mark.parametrize("role", [OrgRole.inspector, OrgRole.admin])
    def test_oversight_reads_every_batch(
        self, client: TestClient, sessions: SessionFactory, shipped: dict[str, Any], role: OrgRole
    ) -> None:
        _, key = make_org(sessions, role)
        for suffix in BY_ID:
            response = by_id(client, shipped["batch"]["id"], suffix, key)
            assert response.status_code == 200, (suffix, response.text)

    def test_the_code_on_the_product_stays_public(
        self, client: TestClient, shipped: dict[str, Any]
    ) -> None:
        facts = scan(client, shipped["batch"])
        assert facts["batch"]["lot"] == shipped["batch"]["lot"]
