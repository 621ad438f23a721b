"""Issue 18, finding 5: a supplier cannot lift an inspector's hold itself.

Only an inspector or an admin lifts a hold an inspector, the quality desk or the system set;
the supplier's own inspections are self-inspections, and the consumer page says which.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from tests.builders import auth, event_body, make_batch, make_org, scan


def sampling(major_defects: int) -> dict[str, Any]:
    # Lot 1000, level II, AQL 1.0: Ac 2, Re 3.
    return {"lot_size": 1000, "classes": {"major": {"aql": 1.0, "defects": major_defects}}}


def record(client: TestClient, key: str, batch: dict[str, Any], body: dict[str, Any]) -> int:
    url = f"/api/v1/batches/{batch['id']}/events"
    return client.post(url, json=body, headers=auth(key)).status_code


def inspection(major_defects: int, hours: int = 1) -> dict[str, Any]:
    return event_body("inspection", hours=hours) | {"sampling": sampling(major_defects)}


@pytest.fixture
def parties(sessions: SessionFactory) -> dict[str, str]:
    return {
        "owner": make_org(sessions)[1],
        "inspector": make_org(sessions, OrgRole.inspector)[1],
        "admin": make_org(sessions, OrgRole.admin)[1],
        "carrier": make_org(sessions, OrgRole.logistics)[0],
    }


class TestInspectorHold:
    def test_supplier_self_inspection_and_release_do_not_lift_it(
        self, client: TestClient, parties: dict[str, str]
    ) -> None:
        owner, inspector = parties["owner"], parties["inspector"]
        batch = make_batch(client, owner)
        assert record(client, inspector, batch, inspection(5)) == 201
        # The attack: the supplier's own (backdated) passing inspection, then shipping. It is
        # dated before the inspector's, though not before the lot was produced (refused).
        assert record(client, owner, batch, inspection(0, hours=-4)) == 201
        assert scan(client, batch)["flags"]["on_hold"] is True
        shipment = event_body("shipping", hours=3) | {"receiver": parties["carrier"]}
        assert record(client, owner, batch, shipment) == 409
        release = event_body("release", hours=3, reason="we checked it ourselves")
        assert record(client, owner, batch, release) == 403
        assert scan(client, batch)["flags"]["on_hold"] is True
        # An independent passing re-inspection lifts it.
        assert record(client, inspector, batch, inspection(0, hours=4)) == 201
        assert scan(client, batch)["flags"]["on_hold"] is False
        assert record(client, owner, batch, shipment) == 201

    def test_admin_releases_an_inspector_hold(
        self, client: TestClient, parties: dict[str, str]
    ) -> None:
        batch = make_batch(client, parties["owner"])
        assert record(client, parties["inspector"], batch, inspection(5)) == 201
        release = event_body("release", hours=3, reason="reworked and re-sorted")
        assert record(client, parties["admin"], batch, release) == 201
        assert scan(client, batch)["flags"]["on_hold"] is False


class TestSelfInspectionHold:
    def test_the_supplier_lifts_a_hold_it_set_itself(
        self, client: TestClient, parties: dict[str, str]
    ) -> None:
        owner = parties["owner"]
        batch = make_batch(client, owner)
        assert record(client, owner, batch, inspection(5)) == 201
        assert scan(client, batch)["flags"]["on_hold"] is True
        assert record(client, owner, batch, inspection(0, hours=2)) == 201
        assert scan(client, batch)["flags"]["on_hold"] is False

    def test_an_inspector_rejection_takes_over_the_supplier_hold(
        self, client: TestClient, parties: dict[str, str]
    ) -> None:
        owner, inspector = parties["owner"], parties["inspector"]
        batch = make_batch(client, owner)
        assert record(client, owner, batch, inspection(5)) == 201
        assert record(client, inspector, batch, inspection(4, hours=2)) == 201
        assert record(client, owner, batch, inspection(0, hours=3)) == 201
        assert scan(client, batch)["flags"]["on_hold"] is True
        # And a later self-rejection does not hand the hold back to the supplier.
        assert record(client, owner, batch, inspection(5, hours=4)) == 201
        release = event_body("release", hours=5, reason="fixed")
        assert record(client, owner, batch, release) == 403


class TestConsumerPageSaysWhoInspected:
    @pytest.mark.parametrize(
        ("lang", "independent", "self_inspection"),
        [
            ("en", "Independent inspection by", "Self-inspection by the supplier"),
            ("zh-CN", "独立检验机构检验", "供应商自检"),
        ],
    )
    def test_independent_and_self_inspections_are_named(
        self,
        client: TestClient,
        sessions: SessionFactory,
        lang: str,
        independent: str,
        self_inspection: str,
    ) -> None:
        owner_slug, owner = make_org(sessions)
        inspector_slug, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        assert record(client, owner, batch, inspection(0)) == 201
        assert record(client, inspector, batch, inspection(0, hours=2)) == 201
        path = f"/01/{batch['gtin']}/10/{batch['lot']}?lang={lang}"
        page = client.get(path, headers={"Accept": "text/html"}).text
        records = scan(client, batch)["records"]
        names = {r["actor"]: r["actor_name"] for r in records}
        # Programs read the same distinction the page shows.
        independent_by = {r["actor"]: r["independent_inspection"] for r in records}
        assert independent_by == {owner_slug: False, inspector_slug: True}
        own = page.index(f"{self_inspection}")
        other = page.index(f"{independent}")
        assert names[owner_slug] in page[own : own + 200]
        assert names[inspector_slug] in page[other : other + 200]
        assert page.count('data-inspection="self"') == 1
        assert page.count('data-inspection="independent"') == 1
