"""Secrets never reach the logs or an error body: API keys (good, bad, revoked) and the
anchoring key, through a whole recording-and-anchoring flow with every logger at DEBUG."""

from __future__ import annotations

import logging
from secrets import token_hex

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.auth.keyformat import make_key, prefix_of
from service.config import HARDHAT_DEV_KEY, Settings
from service.db.engine import SessionFactory
from service.db.models import Organization
from tests.builders import auth, event_body, make_batch, make_org, post_event


def secret_forms(key: str) -> list[str]:
    """The key, and its secret part on its own (long enough never to occur by chance)."""
    parts = key.split("_")
    return [key, max(parts, key=len)]


def test_no_secret_in_logs_or_answers(
    client: TestClient,
    sessions: SessionFactory,
    worker: AnchoringWorker,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    slug, key = make_org(sessions)
    answers: list[str] = []
    batch = make_batch(client, key)
    answers.append(str(post_event(client, key, batch["id"], event_body("production"))))
    # The same public prefix with another secret, a mistyped key, a key never issued.
    forged = f"lp_{prefix_of(key)}_{token_hex(32)}_00000000"
    mistyped = key[:-1] + ("0" if key[-1] != "0" else "1")
    stranger = make_key().key
    for wrong in (forged, mistyped, stranger, key[:30]):
        response = client.post("/api/v1/products", json={}, headers=auth(wrong))
        assert response.status_code == 401
        answers.append(response.text)
    with sessions.read() as session:
        org_id = session.scalars(select(Organization.id).where(Organization.slug == slug)).one()
    rotated = client.post(f"/api/v1/orgs/{org_id}/keys", headers=auth(key)).json()["api_key"]
    revoke = f"/api/v1/orgs/{org_id}/keys/{prefix_of(key)}/revoke"
    answers.append(client.post(revoke, headers=auth(rotated)).text)
    answers.append(client.get("/api/v1/certificates/expiring", headers=auth(key)).text)
    worker.tick()  # signs and sends an anchor with the (dev) anchoring key
    answers.append(client.get("/readyz").text)
    answers.append(repr(settings))

    logged = caplog.text
    assert "anchoring" in logged or "anchor" in logged, "the flow did log: the check is not vacuous"
    secrets = [*secret_forms(key), *secret_forms(forged), *secret_forms(stranger)]
    secrets += [HARDHAT_DEV_KEY, HARDHAT_DEV_KEY.removeprefix("0x")]
    for secret in secrets:
        assert secret not in logged
        assert all(secret not in answer for answer in answers)
    assert prefix_of(key) in "".join(answers), "the public prefix may be shown (and was)"
