"""Every recall of a lot stays visible, and a recall can be updated or closed, each change a
record in every batch it reached; the lot is recalled while a recall is in force (open, or
closed as completed), and a lifted recall stops recalling it. Seen as a shopper sees it, through
the consumer JSON."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Batch, Organization, OrgRole, Record
from tests.api.test_recalls import build_chain, post_recall, recall_body
from tests.builders import auth, make_batch, make_org, scan

Json = dict[str, Any]


def issue(client: TestClient, key: str, *batch_ids: int, **fields: Any) -> Json:
    response = post_recall(client, key, recall_body(*batch_ids) | fields)
    assert response.status_code == 201, response.text
    recall: Json = response.json()
    return recall


def update(client: TestClient, key: str, recall_id: int, body: Json) -> httpx.Response:
    response: httpx.Response = client.patch(
        f"/api/v1/recalls/{recall_id}", json=body, headers=auth(key)
    )
    return response


def close(client: TestClient, key: str, recall_id: int, outcome: str = "lifted") -> httpx.Response:
    body = {"outcome": outcome, "reason": "Retested by an accredited lab: negative"}
    response: httpx.Response = client.post(
        f"/api/v1/recalls/{recall_id}/close", json=body, headers=auth(key)
    )
    return response


def records_of(sessions: SessionFactory, batch_id: int) -> list[tuple[str, Json]]:
    """(event type, event) of each record of the batch, in order."""
    with sessions.read() as session:
        rows = session.execute(
            select(Record.event_type, Record.content)
            .where(Record.batch_id == batch_id)
            .order_by(Record.n)
        ).all()
    return [(event_type, json.loads(content)["event"]) for event_type, content in rows]


def recall_reason(sessions: SessionFactory, batch_id: int) -> str | None:
    with sessions.read() as session:
        return session.scalar(select(Batch.recall_reason).where(Batch.id == batch_id))


def org_name(sessions: SessionFactory, slug: str) -> str:
    with sessions.read() as session:
        return session.scalars(select(Organization.name).where(Organization.slug == slug)).one()


def recall_status(client: TestClient, batch: Json) -> Json:
    path = f"/01/{batch['gtin']}/10/{batch['lot']}?linkType=gs1:recallStatus"
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


class TestEveryRecallStaysVisible:
    def test_a_second_recall_overwrites_nothing(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        supplier_slug, supplier = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, supplier)
        first = issue(
            client,
            supplier,
            batch["id"],
            instructions="Do not drink. Call 400-800-1234 for a refund.",
        )
        second = issue(client, inspector, batch["id"], severity="II", instructions="again")

        facts = scan(client, batch)
        assert facts["flags"]["recalled"] is True
        newest, oldest = facts["recalls"]
        assert (newest["id"], oldest["id"]) == (second["id"], first["id"])
        assert oldest["instructions"] == "Do not drink. Call 400-800-1234 for a refund."
        assert newest["instructions"] == "again"
        assert (oldest["severity"], newest["severity"]) == ("I", "II")
        assert oldest["reason"] == newest["reason"] == recall_body()["reason"]
        assert oldest["opened_at"] <= newest["opened_at"]
        assert oldest["updated_at"] == oldest["opened_at"]
        for shown in (oldest, newest):
            assert shown["status"] == "open" and shown["in_force"] is True
            assert shown["outcome"] is None and shown["close_reason"] is None
            assert shown["direct"] is True and shown["via"] is None
        # Issuers by name, as a person reads them, not by slug.
        assert oldest["issuer"] == org_name(sessions, supplier_slug) != supplier_slug
        # The compatibility field keeps the first recall's words: no later one overwrites them.
        assert facts["batch"]["recall_reason"].endswith("Call 400-800-1234 for a refund.")

    def test_a_lot_made_from_a_recalled_lot_says_which(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        a, c = chain["batches"]["A"], chain["batches"]["C"]
        issue(client, chain["supplier"][1], a["id"])
        [shown] = scan(client, c)["recalls"]
        assert shown["direct"] is False
        assert shown["via"] == {"gtin": a["gtin"], "lot": a["lot"], "product_name": "Green tea"}
        assert scan(client, a)["recalls"][0]["direct"] is True

    def test_a_lot_never_recalled_lists_none(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        facts = scan(client, make_batch(client, supplier))
        assert facts["recalls"] == [] and facts["flags"]["recalled"] is False


class TestUpdate:
    def test_new_words_are_a_record_in_every_batch_and_the_old_stay(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        chain = build_chain(client, sessions)
        supplier, ids = chain["supplier"][1], chain["ids"]
        recall = issue(client, supplier, ids["B"])
        body = {"instructions": "Do not eat. Call 400-800-1234.", "severity": "II"}
        response = update(client, supplier, recall["id"], body)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["instructions"] == body["instructions"] and updated["severity"] == "II"
        assert updated["reason"] == recall["reason"]  # not given: unchanged
        assert updated["status"] == "open" and updated["updated_at"] is not None

        for name in ("B", "C", "D"):
            (*_, (first_type, first), (last_type, last)) = records_of(sessions, ids[name])
            assert (first_type, last_type) == ("recall", "recall_updated")
            assert first["lp:recall"]["instructions"] == recall["instructions"]
            assert last["lp:recall"]["instructions"] == body["instructions"]
            assert last["lp:recall"]["change"] == "updated"
            assert last["disposition"] == "recalled"
            assert last["lp:recall"]["direct"] is (name == "B")
        assert records_of(sessions, ids["A"])[-1][0] != "recall_updated"  # upstream: untouched

        [shown] = scan(client, chain["batches"]["D"])["recalls"]
        assert shown["instructions"] == body["instructions"] and shown["severity"] == "II"
        assert shown["updated_at"] > shown["opened_at"]
        worker.tick()
        assert scan(client, chain["batches"]["D"])["verdict"] == "authentic"

    def test_an_update_must_change_something(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        recall = issue(client, supplier, make_batch(client, supplier)["id"])
        empty = update(client, supplier, recall["id"], {})
        assert empty.status_code == 422
        [error] = empty.json()["errors"]
        assert error["field"] == "body" and "at least one of" in error["message"]
        response = update(client, supplier, recall["id"], {"severity": "IV"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["severity"]
        assert update(client, supplier, 999_999_999, {"severity": "I"}).status_code == 404

    def test_a_closed_recall_is_not_updated(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        recall = issue(client, supplier, batch["id"])
        assert close(client, supplier, recall["id"]).status_code == 200
        records = len(records_of(sessions, batch["id"]))
        response = update(client, supplier, recall["id"], {"instructions": "too late"})
        assert response.status_code == 409
        assert len(records_of(sessions, batch["id"])) == records


class TestWhoMayChangeARecall:
    def test_the_issuer_inspectors_and_admins_not_another_supplier(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        batch = make_batch(client, owner)
        recall = issue(client, owner, batch["id"])
        _, other_supplier = make_org(sessions)
        _, carrier = make_org(sessions, OrgRole.logistics)
        for intruder in (other_supplier, carrier):
            assert update(client, intruder, recall["id"], {"severity": "III"}).status_code == 403
            assert close(client, intruder, recall["id"]).status_code == 403
        for role in (OrgRole.inspector, OrgRole.admin):
            _, key = make_org(sessions, role)
            response = update(client, key, recall["id"], {"instructions": f"by {role}"})
            assert response.status_code == 200, response.text
        assert scan(client, batch)["recalls"][0]["instructions"] == "by admin"

    def test_the_owner_may_not_close_a_regulators_recall_of_its_lot(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        recall = issue(client, inspector, batch["id"])
        assert close(client, owner, recall["id"]).status_code == 403
        assert scan(client, batch)["flags"]["recalled"] is True
        assert close(client, inspector, recall["id"]).status_code == 200


class TestClose:
    def test_lifted_the_lot_is_no_longer_recalled(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        chain = build_chain(client, sessions)
        supplier, ids = chain["supplier"][1], chain["ids"]
        recall = issue(client, supplier, ids["C"])
        response = close(client, supplier, recall["id"], "lifted")
        assert response.status_code == 200, response.text
        closed = response.json()
        assert closed["status"] == "closed" and closed["outcome"] == "lifted"
        assert closed["closed_at"] == closed["updated_at"] is not None

        for name in ("C", "D"):
            event_type, event = records_of(sessions, ids[name])[-1]
            assert event_type == "recall_closed" and event["disposition"] == "active"
            assert event["lp:recall"]["outcome"] == "lifted"
            assert event["lp:recall"]["reason"] == "Retested by an accredited lab: negative"
            facts = scan(client, chain["batches"][name])
            assert facts["flags"]["recalled"] is False and facts["batch"]["recalled"] is False
            [shown] = facts["recalls"]  # still listed, as closed
            assert shown["status"] == "closed" and shown["in_force"] is False
            assert shown["close_reason"] == "Retested by an accredited lab: negative"
            assert recall_reason(sessions, ids[name]) is None
        assert recall_status(client, chain["batches"]["D"])["recalled"] is False
        worker.tick()
        assert scan(client, chain["batches"]["D"])["verdict"] == "authentic"

    def test_completed_the_lot_stays_recalled(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        recall = issue(client, supplier, batch["id"])
        assert close(client, supplier, recall["id"], "completed").status_code == 200
        event_type, event = records_of(sessions, batch["id"])[-1]
        assert event_type == "recall_closed" and event["disposition"] == "recalled"
        facts = scan(client, batch)
        assert facts["flags"]["recalled"] is True
        [shown] = facts["recalls"]
        assert (shown["status"], shown["outcome"], shown["in_force"]) == (
            "closed",
            "completed",
            True,
        )
        assert recall_status(client, batch)["recalled"] is True

    def test_lifting_one_of_two_keeps_the_lot_recalled_by_the_other(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        first = issue(client, supplier, batch["id"], instructions="First words.")
        second = issue(client, supplier, batch["id"], instructions="Second words.")
        assert close(client, supplier, first["id"]).status_code == 200
        facts = scan(client, batch)
        assert facts["flags"]["recalled"] is True
        assert [(r["id"], r["in_force"]) for r in facts["recalls"]] == [
            (second["id"], True),
            (first["id"], False),
        ]
        # The lot is recalled since the recall still in force, in its words.
        assert facts["batch"]["recall_reason"].endswith("Second words.")
        assert close(client, supplier, second["id"]).status_code == 200
        assert scan(client, batch)["flags"]["recalled"] is False

    def test_closed_once(self, client: TestClient, sessions: SessionFactory) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        recall = issue(client, supplier, batch["id"])
        assert close(client, supplier, recall["id"]).status_code == 200
        records = len(records_of(sessions, batch["id"]))
        assert close(client, supplier, recall["id"], "completed").status_code == 409
        assert len(records_of(sessions, batch["id"])) == records
        assert scan(client, batch)["flags"]["recalled"] is False

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"outcome": "forgotten", "reason": "x"}, "outcome"),
            ({"outcome": "lifted"}, "reason"),
            ({"outcome": "lifted", "reason": ""}, "reason"),
            ({"outcome": "lifted", "reason": "ok\u202e"}, "reason"),
        ],
    )
    def test_bad_input_names_the_field(
        self, client: TestClient, sessions: SessionFactory, body: Json, field: str
    ) -> None:
        _, supplier = make_org(sessions)
        recall = issue(client, supplier, make_batch(client, supplier)["id"])
        url = f"/api/v1/recalls/{recall['id']}/close"
        response = client.post(url, json=body, headers=auth(supplier))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]

    def test_a_retry_with_the_same_key_closes_once(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        recall = issue(client, supplier, batch["id"])
        url = f"/api/v1/recalls/{recall['id']}/close"
        body = {"outcome": "lifted", "reason": "recalled in error"}
        headers = auth(supplier) | {"Idempotency-Key": "close-once"}
        first = client.post(url, json=body, headers=headers)
        again = client.post(url, json=body, headers=headers)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert [t for t, _ in records_of(sessions, batch["id"])].count("recall_closed") == 1
