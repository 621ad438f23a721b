"""API keys: recognisable and checksummed, stored hashed, listed, rotated, revoked, last use."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.auth.keyformat import MalformedKey, hash_key, make_key, prefix_of
from service.auth.service import note_use
from service.db.engine import SessionFactory
from service.db.models import ApiKey, Organization, OrgRole
from tests.builders import auth, make_org

KEY_SHAPE = re.compile(r"^lp_[0-9a-f]{12}_[0-9a-f]{64}_[0-9a-f]{8}$")


def org_id(sessions: SessionFactory, slug: str) -> int:
    with sessions.read() as session:
        return session.scalars(select(Organization.id).where(Organization.slug == slug)).one()


def keys_of(client: TestClient, key: str, org: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/orgs/{org}/keys", headers=auth(key))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def whoami(client: TestClient, key: str) -> int:
    """Any authenticated read: the certificates about to expire."""
    return client.get("/api/v1/certificates/expiring", headers=auth(key)).status_code


class TestKeyFormat:
    def test_new_keys_are_recognisable_and_checksummed(self) -> None:
        new = make_key()
        assert KEY_SHAPE.fullmatch(new.key)
        assert prefix_of(new.key) == new.prefix

    @pytest.mark.parametrize("position", [3, 20, 80, -1])
    def test_one_changed_character_fails_the_checksum(self, position: int) -> None:
        key = make_key().key
        original = key[position]
        changed = key[:position] + ("0" if original != "0" else "1") + key[position + 1 :]
        changed = changed if position != -1 else key[:-1] + ("0" if key[-1] != "0" else "1")
        with pytest.raises(MalformedKey):
            prefix_of(changed)

    def test_truncated_and_foreign_keys_are_malformed(self) -> None:
        key = make_key().key
        for text in (key[:-1], key[:40], "sk_live_abc", "", "lp_", key + "0"):
            with pytest.raises(MalformedKey):
                prefix_of(text)

    def test_keys_issued_before_checksums_still_parse(self) -> None:
        legacy = "lp_0123456789ab_" + "Ab-_" * 10 + "xyz"
        assert prefix_of(legacy) == "0123456789ab"


class TestKeysThroughTheApi:
    def test_stored_only_as_a_hash(self, client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        assert KEY_SHAPE.fullmatch(key)
        with sessions.read() as session:
            rows = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix_of(key))).all()
            assert len(rows) == 1 and rows[0].key_hash == hash_key(key)
            stored = b"".join(str(v).encode() for v in vars(rows[0]).values())
            assert key.encode() not in stored and key.split("_")[2].encode() not in stored

    def test_a_mistyped_key_is_refused_and_says_why(self, client: TestClient) -> None:
        key = make_key().key
        response = client.get("/api/v1/certificates/expiring", headers=auth(key[:-1] + "x"))
        assert response.status_code == 401
        assert "checksum" in response.json()["detail"] or "malformed" in response.json()["detail"]
        assert key[:-1] not in response.text

    def test_rotate_then_revoke(self, client: TestClient, sessions: SessionFactory) -> None:
        slug, old = make_org(sessions)
        org = org_id(sessions, slug)
        issued = client.post(f"/api/v1/orgs/{org}/keys", headers=auth(old))
        assert issued.status_code == 201, issued.text
        new = issued.json()["api_key"]
        assert KEY_SHAPE.fullmatch(new) and new != old
        assert whoami(client, new) == 200 and whoami(client, old) == 200
        listed = keys_of(client, new, org)
        assert {k["prefix"] for k in listed} == {prefix_of(old), prefix_of(new)}
        assert all("api_key" not in k for k in listed), "a listing never shows a key"
        revoked = client.post(f"/api/v1/orgs/{org}/keys/{prefix_of(old)}/revoke", headers=auth(new))
        assert revoked.status_code == 200 and revoked.json()["active"] is False
        assert whoami(client, old) == 401
        assert whoami(client, new) == 200

    def test_own_last_key_cannot_be_revoked_but_an_admin_can(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        org = org_id(sessions, slug)
        path = f"/api/v1/orgs/{org}/keys/{prefix_of(key)}/revoke"
        assert client.post(path, headers=auth(key)).status_code == 409
        assert whoami(client, key) == 200
        _, admin = make_org(sessions, OrgRole.admin)
        assert client.post(path, headers=auth(admin)).status_code == 200
        assert whoami(client, key) == 401

    def test_others_keys_are_out_of_reach(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        org = org_id(sessions, slug)
        _, other = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        for intruder in (other, inspector):
            assert client.get(f"/api/v1/orgs/{org}/keys", headers=auth(intruder)).status_code == 403
            assert (
                client.post(f"/api/v1/orgs/{org}/keys", headers=auth(intruder)).status_code == 403
            )
            revoke = f"/api/v1/orgs/{org}/keys/{prefix_of(key)}/revoke"
            assert client.post(revoke, headers=auth(intruder)).status_code == 403
        assert whoami(client, key) == 200

    def test_bad_prefix_is_a_422_naming_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        org = org_id(sessions, slug)
        response = client.post(f"/api/v1/orgs/{org}/keys/NOT-HEX/revoke", headers=auth(key))
        assert response.status_code == 422 and "prefix" in response.text
        missing = client.post(f"/api/v1/orgs/{org}/keys/0123456789ab/revoke", headers=auth(key))
        assert missing.status_code == 404


class TestLastUse:
    def test_first_use_is_recorded(self, client: TestClient, sessions: SessionFactory) -> None:
        slug, key = make_org(sessions)
        org = org_id(sessions, slug)
        assert keys_of(client, key, org)[0]["last_used_at"] is not None

    def test_recorded_at_most_once_a_minute(self, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        with sessions.read() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix_of(key))).one()
        first = row.created_at + timedelta(seconds=5)
        note_use(sessions, row, first)
        row.last_used_at = first
        note_use(sessions, row, first + timedelta(seconds=30))  # too soon: not written
        with sessions.read() as session:
            stored = session.scalars(select(ApiKey.last_used_at).where(ApiKey.id == row.id)).one()
        assert stored == first
        note_use(sessions, row, first + timedelta(minutes=2))
        with sessions.read() as session:
            stored = session.scalars(select(ApiKey.last_used_at).where(ApiKey.id == row.id)).one()
        assert stored == first + timedelta(minutes=2)
