"""Signing addresses (issue 18, finding 10): registering one proves its key, and its owner can
remove it without rewriting history."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import OrgAddress, Organization, RecordSignature
from service.signatures.eip712 import sign_digest
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan
from tests.support.signing import personal_sign, proven_address, register_address

ADDRESSES = "/api/v1/orgs/me/addresses"


def _errors(response: Any, status: int = 422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json().get("errors", [])]


def _registered(sessions: SessionFactory) -> int:
    with sessions.read() as session:
        return session.scalar(select(func.count()).select_from(OrgAddress)) or 0


def _sign(client: TestClient, key: str, record: dict[str, Any], account: LocalAccount) -> Any:
    signature = sign_digest(bytes.fromhex(record["digest"][2:]), account.key)
    url = f"/api/v1/records/{record['id']}/signature"
    return client.post(url, json={"signature": signature}, headers=auth(key))


class TestRegistrationProvesTheKey:
    def test_an_address_alone_is_refused(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        before = _registered(sessions)
        body = {"address": Account.create().address}
        assert set(_errors(client.post(ADDRESSES, json=body, headers=auth(key)))) == {
            "challenge",
            "signature",
        }
        assert _registered(sessions) == before

    def test_a_challenge_signed_by_another_key_is_refused(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        before = _registered(sessions)
        victim, squatter = Account.create(), Account.create()
        body = proven_address(client, auth(key), victim)
        url = f"{ADDRESSES}/challenge"
        issued = client.post(url, json={"address": victim.address}, headers=auth(key)).json()
        body = body | {"challenge": issued["challenge"]}
        body["signature"] = personal_sign(squatter, issued["message"])
        response = client.post(ADDRESSES, json=body, headers=auth(key))
        assert _errors(response) == ["signature"] and squatter.address in response.text
        assert _registered(sessions) == before

    def test_a_challenge_is_bound_to_its_organisation_and_address(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, first = make_org(sessions)
        before = _registered(sessions)
        _, second = make_org(sessions)
        account = Account.create()
        body = proven_address(client, auth(first), account)
        # Replayed by another organisation: the same signed challenge is not theirs.
        assert _errors(client.post(ADDRESSES, json=body, headers=auth(second))) == ["challenge"]
        # Moved to another address, or altered: the tag no longer matches.
        other = body | {"address": Account.create().address}
        assert _errors(client.post(ADDRESSES, json=other, headers=auth(first))) == ["challenge"]
        expires, nonce, tag = body["challenge"].split(".")
        later = body | {"challenge": f"{int(expires) + 3600}.{nonce}.{tag}"}
        assert _errors(client.post(ADDRESSES, json=later, headers=auth(first))) == ["challenge"]
        assert _registered(sessions) == before
        created = client.post(ADDRESSES, json=body, headers=auth(first))
        assert created.status_code == 201 and created.json()["addresses"] == [account.address]

    def test_an_expired_challenge_is_refused(
        self, client: TestClient, sessions: SessionFactory, settings: Settings
    ) -> None:
        from service.signatures import challenge  # here: the module is new (issue 18)

        slug, key = make_org(sessions)
        before = _registered(sessions)
        account = Account.create()
        with sessions.write() as session, session.begin():
            org = session.scalars(select(Organization).where(Organization.slug == slug)).one()
            server_key = challenge.challenge_key(session, settings)
            expired = int((utcnow() - timedelta(seconds=1)).timestamp())
            nonce = secrets.token_hex(16)
            tag = challenge._tag(server_key, org.id, account.address, expired, nonce)
            token = f"{expired}.{nonce}.{tag}"
            message = challenge.challenge_message(org, account.address, token)
        body = {"address": account.address, "challenge": token}
        body["signature"] = personal_sign(account, message)
        response = client.post(ADDRESSES, json=body, headers=auth(key))
        assert _errors(response) == ["challenge"] and "expired" in response.text
        assert _registered(sessions) == before

    def test_the_address_of_another_organisation_stays_theirs(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, first = make_org(sessions)
        _, second = make_org(sessions)
        account = Account.create()
        assert register_address(client, auth(first), account).status_code == 201
        taken = register_address(client, auth(second), account)
        assert _errors(taken, 409) == ["address"]
        again = register_address(client, auth(first), account)  # idempotent for its owner
        assert again.status_code == 201 and again.json()["addresses"] == [account.address]


class TestRemoval:
    def test_removal_keeps_earlier_signatures_and_stops_later_ones(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        account = Account.create()
        assert register_address(client, auth(key), account).status_code == 201
        batch = make_batch(client, key)
        first = post_event(client, key, batch["id"], event_body("production"))
        assert _sign(client, key, first, account).status_code == 201
        removed = client.delete(f"{ADDRESSES}/{account.address}", headers=auth(key))
        assert removed.status_code == 200 and removed.json()["addresses"] == []
        second = post_event(client, key, batch["id"], event_body("packing", hours=1))
        assert _errors(_sign(client, key, second, account)) == ["signature"]
        records = scan(client, batch)["records"]
        assert records[0]["signed_by"]["address"] == account.address
        assert records[0]["verdict"] != "tampered" and records[1].get("signed_by") is None
        # Removed for good: no one registers it again, even with its key.
        assert _errors(register_address(client, auth(key), account), 409) == ["address"]
        assert client.delete(f"{ADDRESSES}/{account.address}", headers=auth(key)).status_code == 404

    def test_a_signature_stored_after_removal_does_not_count(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        account = Account.create()
        assert register_address(client, auth(key), account).status_code == 201
        batch = make_batch(client, key)
        record = post_event(client, key, batch["id"], event_body("production"))
        client.delete(f"{ADDRESSES}/{account.address}", headers=auth(key))
        signature = sign_digest(bytes.fromhex(record["digest"][2:]), account.key)
        with sessions.write() as session, session.begin():
            # Written straight into the database, past the API's check.
            session.add(
                RecordSignature(record_id=record["id"], signer=account.address, signature=signature)
            )
        verdict = scan(client, batch)["records"][0]
        assert verdict["verdict"] == "tampered" and "signature" in verdict["reason"]

    def test_only_the_owner_removes_an_address(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, other = make_org(sessions)
        account = Account.create()
        assert register_address(client, auth(owner), account).status_code == 201
        url = f"{ADDRESSES}/{account.address}"
        assert _errors(client.delete(url, headers=auth(other)), 404) == ["address"]
        mine = client.get("/api/v1/orgs/me/signing", headers=auth(owner)).json()
        assert mine["addresses"] == [account.address]
        assert _errors(client.delete(f"{ADDRESSES}/0x1234", headers=auth(owner))) == ["address"]

    def test_the_last_address_stays_while_signatures_are_required(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        account = Account.create()
        assert register_address(client, auth(key), account).status_code == 201
        policy = {"require_signatures": True}
        assert client.put("/api/v1/orgs/me/signing", json=policy, headers=auth(key)).is_success
        url = f"{ADDRESSES}/{account.address}"
        assert _errors(client.delete(url, headers=auth(key)), 409) == ["address"]
        assert register_address(client, auth(key), Account.create()).status_code == 201
        assert client.delete(url, headers=auth(key)).status_code == 200
