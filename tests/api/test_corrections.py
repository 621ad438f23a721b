"""Corrections the EPCIS way (docs/design.md §2.10): the organisation that recorded an event
declares it erroneous; the original stays, and every reader shows the declaration beside it."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.db.engine import SessionFactory
from service.db.models import OrgRole, Record
from tests.builders import auth, chain_of, event_body, make_batch, make_org, post_event

Json = dict[str, Any]


def declare(
    client: TestClient, key: str, batch: Json, n: int, body: Json, status: int = 201
) -> Json:
    url = f"/api/v1/batches/{batch['id']}/records/{n}/error-declaration"
    response = client.post(url, json=body, headers=auth(key))
    assert response.status_code == status, response.text
    answer: Json = response.json()
    return answer


def stored(sessions: SessionFactory, batch: Json, n: int) -> Json:
    with sessions.read() as session:
        query = select(Record.content).where(Record.batch_id == batch["id"], Record.n == n)
        content = session.scalars(query).one()
    assert content is not None
    record: Json = json.loads(content)
    return record


def by_n(records: list[Json]) -> dict[int, Json]:
    return {record["n"]: record for record in records}


class Story:
    """A supplier's batch with a wrong temperature reading and its corrected one."""

    def __init__(self, client: TestClient, sessions: SessionFactory) -> None:
        self.slug, self.key = make_org(sessions)
        self.batch = make_batch(client, self.key)
        wrong = event_body("temperature", hours=2) | {"temperature_c": 40.0}
        self.wrong = post_event(client, self.key, self.batch["id"], wrong)["n"]
        right = event_body("temperature", hours=2) | {"temperature_c": 4.0}
        self.right = post_event(client, self.key, self.batch["id"], right)["n"]


class TestDeclaringAnError:
    def test_the_recorder_declares_its_event_erroneous_with_its_correction(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        body = {"reason": "incorrect_data", "corrective_n": [story.right]}
        answer = declare(client, story.key, story.batch, story.wrong, body)
        assert answer["type"] == "error_declaration" and answer["n"] == story.right + 1
        assert answer["declares"] == story.wrong and answer["corrective_n"] == [story.right]
        original = stored(sessions, story.batch, story.wrong)
        corrective = stored(sessions, story.batch, story.right)
        record = stored(sessions, story.batch, answer["n"])
        event = record["event"]
        assert record["actor"] == story.slug == original["actor"]
        # The declared event again (its what and when, not its details), plus the declaration.
        for member in ("type", "eventTime", "eventTimeZoneOffset", "action", "bizStep"):
            assert event[member] == original["event"][member]
        assert event["quantityList"] == original["event"]["quantityList"]
        assert "sensorElementList" not in event and "lp:location" not in event
        assert event["lp:declares"] == {"n": story.wrong, "digest": answer["declared_digest"]}
        declaration = event["errorDeclaration"]
        assert declaration["reason"] == "incorrect_data"
        assert declaration["declarationTime"].endswith("Z")
        with sessions.read() as session:
            digest = session.scalars(
                select(Record.digest).where(
                    Record.batch_id == story.batch["id"], Record.n == story.right
                )
            ).one()
        assert declaration["correctiveEventIDs"] == [f"urn:lotproof:record:0x{digest.hex()}"]
        # Nothing was changed: the original is where it was, the chain continues.
        assert original["event"]["sensorElementList"] and corrective["n"] == story.right
        assert chain_of(sessions, story.batch["id"]) == list(range(answer["n"] + 1))

    def test_without_a_correction_the_declaration_names_none(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        answer = declare(client, story.key, story.batch, story.wrong, {"reason": "did_not_occur"})
        assert answer["corrective_n"] == []
        event = stored(sessions, story.batch, answer["n"])["event"]
        assert "correctiveEventIDs" not in event["errorDeclaration"]
        assert event["errorDeclaration"]["reason"] == "did_not_occur"


class TestReadersShowTheCorrection:
    def test_consumer_json_and_audit_mark_the_original_the_declaration_and_the_correction(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        body = {"reason": "incorrect_data", "corrective_n": [story.right]}
        declared = declare(client, story.key, story.batch, story.wrong, body)["n"]
        path = f"/01/{story.batch['gtin']}/10/{story.batch['lot']}?linkType=gs1:traceability"
        facts = client.get(path, headers={"Accept": "application/json"})
        assert facts.status_code == 200, facts.text
        audit = client.get(f"/api/v1/batches/{story.batch['id']}/audit", headers=auth(story.key))
        assert audit.status_code == 200, audit.text
        for records in (by_n(facts.json()["records"]), by_n(audit.json()["items"])):
            ref = records[story.wrong]["declared_erroneous"]
            assert ref["declared_n"] == story.wrong and ref["declaration_n"] == declared
            assert ref["reason"] == "incorrect_data" and ref["corrective_n"] == [story.right]
            assert ref["declared_at"]
            assert records[declared]["declares"] == ref
            assert records[story.right]["corrects"] == [story.wrong]
            assert records[story.right]["declared_erroneous"] is None
            # A correction is not tampering: the original keeps its own verdict.
            assert records[story.wrong]["verdict"] == "pending"
        assert facts.json()["verdict"] == "pending"
        assert audit.json()["verdict"] == "pending"

    def test_a_history_without_declarations_marks_nothing(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        audit = client.get(f"/api/v1/batches/{story.batch['id']}/audit", headers=auth(story.key))
        for item in audit.json()["items"]:
            assert item["declared_erroneous"] is None and item["declares"] is None
            assert item["corrects"] == []


class TestWhoMayDeclare:
    def test_only_the_organisation_that_recorded_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        _, admin = make_org(sessions, OrgRole.admin)
        _, rival = make_org(sessions)
        for key in (inspector, admin, rival):
            refused = declare(
                client, key, story.batch, story.wrong, {"reason": "incorrect_data"}, 403
            )
            assert "recorded" in refused["detail"]
        assert chain_of(sessions, story.batch["id"]) == list(range(story.right + 1))

    def test_the_supplier_cannot_declare_an_inspectors_finding(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        found = post_event(client, inspector, story.batch["id"], event_body("inspection", 3))
        body = {"reason": "did_not_occur"}
        declare(client, story.key, story.batch, found["n"], body, 403)
        declare(client, inspector, story.batch, found["n"], body)  # its own: it may

    def test_a_custodian_declares_its_own_event_after_handing_the_lot_on(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
        shipped = event_body("shipping", hours=3) | {"receiver": carrier_slug}
        post_event(client, story.key, story.batch["id"], shipped)
        post_event(client, carrier, story.batch["id"], event_body("receiving", hours=4))
        declare(client, story.key, story.batch, story.wrong, {"reason": "incorrect_data"})


class TestRefusals:
    def test_a_record_is_declared_once(self, client: TestClient, sessions: SessionFactory) -> None:
        story = Story(client, sessions)
        declare(client, story.key, story.batch, story.wrong, {"reason": "incorrect_data"})
        again = declare(
            client, story.key, story.batch, story.wrong, {"reason": "did_not_occur"}, 409
        )
        assert "already" in again["detail"]

    def test_the_reason_comes_from_the_cbv(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        for reason in ("typo", "INCORRECT_DATA", ""):
            refused = declare(client, story.key, story.batch, story.wrong, {"reason": reason}, 422)
            assert [e["field"] for e in refused["errors"]] == ["reason"], refused
        refused = declare(client, story.key, story.batch, story.wrong, {}, 422)
        assert [e["field"] for e in refused["errors"]] == ["reason"], refused

    def test_corrective_records_are_later_events_of_the_same_organisation(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
        shipped = event_body("shipping", hours=3) | {"receiver": carrier_slug}
        post_event(client, story.key, story.batch["id"], shipped)
        theirs = post_event(client, carrier, story.batch["id"], event_body("receiving", 4))["n"]
        cases = {
            "no such record": ([999], "corrective_n.0"),
            "before the declared one": ([story.wrong - 1], "corrective_n.0"),
            "the declared one itself": ([story.wrong], "corrective_n.0"),
            "listed twice": ([story.right, story.right], "corrective_n.1"),
            "another organisation's": ([story.right, theirs], "corrective_n.1"),
        }
        for case, (ns, field) in cases.items():
            body = {"reason": "incorrect_data", "corrective_n": ns}
            refused = declare(client, story.key, story.batch, story.wrong, body, 422)
            assert [e["field"] for e in refused["errors"]] == [field], (case, refused)
        too_many = {"reason": "incorrect_data", "corrective_n": [story.right] * 11}
        declare(client, story.key, story.batch, story.wrong, too_many, 422)
        assert chain_of(sessions, story.batch["id"]) == list(range(theirs + 1))

    def test_a_correction_declared_erroneous_cannot_correct(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        declare(client, story.key, story.batch, story.right, {"reason": "incorrect_data"})
        body = {"reason": "incorrect_data", "corrective_n": [story.right]}
        refused = declare(client, story.key, story.batch, story.wrong, body, 422)
        assert refused["errors"][0]["field"] == "corrective_n.0"

    def test_declarations_and_recalls_are_not_declared(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        made = declare(client, story.key, story.batch, story.wrong, {"reason": "incorrect_data"})
        declare(client, story.key, story.batch, made["n"], {"reason": "incorrect_data"}, 409)
        recall = {
            "batch_ids": [story.batch["id"]],
            "reason": "glass",
            "severity": "II",
            "instructions": "return it",
        }
        response = client.post("/api/v1/recalls", json=recall, headers=auth(story.key))
        assert response.status_code == 201, response.text
        recalled = made["n"] + 1
        assert stored(sessions, story.batch, recalled)["event"]["bizStep"] == "holding"
        refused = declare(
            client, story.key, story.batch, recalled, {"reason": "did_not_occur"}, 409
        )
        assert "cannot be declared" in refused["detail"]

    def test_unknown_records_and_batches_are_404(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        story = Story(client, sessions)
        declare(client, story.key, story.batch, 999, {"reason": "incorrect_data"}, 404)
        missing = {"id": 2**31 - 1}
        declare(client, story.key, missing, 0, {"reason": "incorrect_data"}, 404)
