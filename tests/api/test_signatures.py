"""Signed records: EIP-712 signatures over record digests by the organisation's own key."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.db.engine import SessionFactory
from service.signatures.eip712 import sign_digest, typed_data
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan
from tests.support.signing import register_address


def signing_setup(client: TestClient, sessions: SessionFactory) -> tuple[str, Any, dict[str, Any]]:
    _, key = make_org(sessions)
    account = Account.create()
    response = register_address(client, auth(key), account)
    assert response.status_code == 201 and response.json()["addresses"] == [account.address]
    batch = make_batch(client, key)
    return key, account, batch


class TestSignedRecords:
    def test_sign_a_record_and_see_it_on_the_page(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        key, account, batch = signing_setup(client, sessions)
        event = post_event(client, key, batch["id"], event_body("production"))
        payload = client.get(
            f"/api/v1/records/{event['id']}/signing-payload", headers=auth(key)
        ).json()
        assert payload["digest"] == event["digest"]
        assert payload["typed_data"] == typed_data(bytes.fromhex(event["digest"][2:]))
        signature = sign_digest(bytes.fromhex(event["digest"][2:]), account.key)
        url = f"/api/v1/records/{event['id']}/signature"
        signed = client.post(url, json={"signature": signature}, headers=auth(key))
        assert signed.status_code == 201 and signed.json()["signer"] == account.address
        assert client.post(url, json={"signature": signature}, headers=auth(key)).status_code == 409
        record = scan(client, batch)["records"][0]
        assert record["signed_by"]["address"] == account.address

    def test_wrong_key_or_someone_elses_record_is_refused(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        key, _, batch = signing_setup(client, sessions)
        event = post_event(client, key, batch["id"], event_body("production"))
        url = f"/api/v1/records/{event['id']}/signature"
        stranger = sign_digest(bytes.fromhex(event["digest"][2:]), Account.create().key)
        response = client.post(url, json={"signature": stranger}, headers=auth(key))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "signature"
        garbage = client.post(url, json={"signature": "0x" + "00" * 65}, headers=auth(key))
        assert garbage.status_code == 422
        _, other = make_org(sessions)
        assert (
            client.post(url, json={"signature": stranger}, headers=auth(other)).status_code == 403
        )

    def test_forged_signature_row_marks_the_record_tampered(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        key, account, batch = signing_setup(client, sessions)
        first = post_event(client, key, batch["id"], event_body("production"))
        second = post_event(client, key, batch["id"], event_body("packing", hours=1))
        for event in (first, second):
            signature = sign_digest(bytes.fromhex(event["digest"][2:]), account.key)
            client.post(
                f"/api/v1/records/{event['id']}/signature",
                json={"signature": signature},
                headers=auth(key),
            )
        with sessions.write() as session, session.begin():
            # Someone moves the second record's signature onto the first.
            session.execute(
                text(
                    "UPDATE record_signatures SET signature = (SELECT signature FROM "
                    "record_signatures WHERE record_id = :b) WHERE record_id = :a"
                ),
                {"a": first["id"], "b": second["id"]},
            )
        records = scan(client, batch)["records"]
        assert records[0]["verdict"] == "tampered" and "signature" in records[0]["reason"]
        assert records[1]["signed_by"]["address"] == account.address

    def test_required_signatures_flag_unsigned_records(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        key, _, batch = signing_setup(client, sessions)
        policy = client.put(
            "/api/v1/orgs/me/signing", json={"require_signatures": True}, headers=auth(key)
        )
        assert policy.status_code == 200 and policy.json()["require_signatures"] is True
        post_event(client, key, batch["id"], event_body("production"))
        assert scan(client, batch)["records"][0]["signature_missing"] is True
        _, fresh = make_org(sessions)
        refused = client.put(
            "/api/v1/orgs/me/signing", json={"require_signatures": True}, headers=auth(fresh)
        )
        assert refused.status_code == 409


class TestSignatureDisplay:
    def test_page_and_audit_trail_show_the_signer(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        key, account, batch = signing_setup(client, sessions)
        event = post_event(client, key, batch["id"], event_body("production"))
        signature = sign_digest(bytes.fromhex(event["digest"][2:]), account.key)
        client.post(
            f"/api/v1/records/{event['id']}/signature",
            json={"signature": signature},
            headers=auth(key),
        )
        page = client.get(f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "text/html"})
        assert account.address in page.text and "Signed by" in page.text
        audit = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(key)).json()
        assert audit["items"][0]["signed_by"]["address"] == account.address
