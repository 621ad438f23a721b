"""Who may call what, on whose objects: the authorisation matrix (OWASP API1, API3, API5).

``POLICY`` says, for every operation that takes an API key, which roles may call it on their
own object and which on someone else's. Every operation is called by every role
(``OrgRole``) with a minimal valid request, once on its own object and once on a victim
supplier's, and must answer:

* allowed: 2xx (or a status the rule ``expect``s that is neither 401 nor 403);
* refused: 403 or 404, with the database left exactly as it was;
* never 5xx; and without a key, or with an unknown or revoked one, 401.

Lists are checked apart (``TestListsShowOnlyOwnItems``): they hold the caller's items only.

"Own" is the caller's organisation and what it holds (``tests/support/authz.py``): its org
id, keys, certificates, webhooks, records, complaints, and the batch in its custody, which
for roles other than suppliers is a supplier's batch shipped to them. Rules without
``other`` concern no one's object in particular and run once per role.

The operations come from the app's own OpenAPI document, so a new route cannot be forgotten:
``test_every_secured_operation_has_a_policy`` names it until it has a ``POLICY`` entry. To
add one, say who may call it; the path's ids are filled in from the target
(``World.path_ids``) and ``body`` is sent as JSON. Write a ``probe`` instead when the call
needs fresh objects (an allowed call would use up shared ones) or a computed body. A hole
found goes into ``KNOWN_HOLES``, a strict xfail, so the suite notices the day it is fixed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth.keyformat import make_key
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.signatures.eip712 import sign_digest
from tests.builders import auth, event_body, random_gtin
from tests.support.authz import (
    Call,
    Holdings,
    World,
    app_settings,
    batch_body,
    build_world,
    certificate_body,
    created,
    new_org,
    secured_operations,
)
from tests.support.proxy import TcpProxy
from tests.support.signing import proven_address

Probe = Callable[[World, Holdings, Holdings], Call]  # (world, actor, target) -> request
Scope = str  # "own", "other", or "any" (the operation concerns no one's object)

ALL = frozenset(OrgRole)
NONE: frozenset[OrgRole] = frozenset()
SUPPLIER = frozenset({OrgRole.supplier})
ADMIN = frozenset({OrgRole.admin})
OVERSIGHT = frozenset({OrgRole.inspector, OrgRole.admin})  # see every organisation's data
SUPPLIER_OVERSIGHT = SUPPLIER | OVERSIGHT
HANDLERS = SUPPLIER | ADMIN  # of complaints


@dataclass(frozen=True)
class Rule:
    """Who may call an operation on their own object, and who on someone else's."""

    own: frozenset[OrgRole]
    other: frozenset[OrgRole] | None = None  # None: no one's object in particular
    body: Callable[[], Any] | None = None  # JSON, made anew for each call
    probe: Probe | None = None  # the whole request, when ids and ``body`` are not enough
    holders: frozenset[OrgRole] = ALL  # roles that can have an object of this kind at all
    expect: frozenset[int] = frozenset()  # non-2xx answers that still mean "allowed"

    def allows(self, role: OrgRole, scope: Scope) -> bool:
        return role in (self.other if scope == "other" and self.other is not None else self.own)

    def call(self, method: str, path: str, world: World, actor: Holdings, target: Holdings) -> Call:
        if self.probe is not None:
            return self.probe(world, actor, target)
        body = self.body() if self.body is not None else None
        return Call(method, path.format(**world.path_ids(target)), body)


def storage() -> dict[str, Any]:
    # The custodian's event. Which role records which event type is test_custody.py's.
    return event_body("storage", hours=3)


def new_batch(world: World, actor: Holdings, target: Holdings) -> Call:
    assert target.gtin is not None
    return Call("POST", "/api/v1/batches", batch_body(target.gtin))


def upload(world: World, actor: Holdings, target: Holdings) -> Call:
    text = f"lab report {secrets.token_hex(8)}".encode()
    return Call("POST", "/api/v1/files", files={"file": ("report.txt", text, "text/plain")})


def signature(world: World, actor: Holdings, target: Holdings) -> Call:
    record = world.record(target.org, target.batch)  # fresh: a record is signed once
    signed = sign_digest(bytes.fromhex(record["digest"][2:]), actor.account.key)
    return Call("POST", f"/api/v1/records/{record['id']}/signature", {"signature": signed})


def new_address(world: World, actor: Holdings, target: Holdings) -> Call:
    # The challenge is issued to the caller: it binds the organisation that registers.
    body = proven_address(world.client, actor.org.headers, Account.create())
    return Call("POST", "/api/v1/orgs/me/addresses", body)


def remove_address(world: World, actor: Holdings, target: Holdings) -> Call:
    account = world.signer(actor.org)  # fresh: a removed address stays removed
    return Call("DELETE", f"/api/v1/orgs/me/addresses/{account.address}")


def transformation(world: World, actor: Holdings, target: Holdings) -> Call:
    # Into the caller's own product when it has one: only the input is at stake here.
    gtin = actor.gtin or world.victim.gtin
    assert gtin is not None
    body = {
        "inputs": [{"batch_id": target.batch["id"], "quantity": 1}],
        "output": batch_body(gtin),
        "event_time": "2026-11-03T08:00:00+08:00",
        "location": "Mill 1",
    }
    return Call("POST", "/api/v1/transformations", body)


def transition(world: World, actor: Holdings, target: Holdings) -> Call:
    code = world.complaint(target.complaint_batch)  # fresh: a move is made once
    body = {"status": "acknowledged", "reason": "looking into it"}
    return Call("POST", f"/api/v1/complaints/{code}/transitions", body)


def recall(world: World, actor: Holdings, target: Holdings) -> Call:
    batch = world.batch(target.org, target.gtin)  # fresh: a recalled batch stays recalled
    body = {"batch_ids": [batch["id"]], "reason": "glass", "severity": "I", "instructions": "stop"}
    return Call("POST", "/api/v1/recalls", body)


def change_recall(method: str, suffix: str, body: dict[str, Any]) -> Probe:
    def probe(world: World, actor: Holdings, target: Holdings) -> Call:
        # Fresh (a closed recall stays closed): issued by the target, on a batch it holds.
        issued = recall(world, target, target).json
        response = world.client.post("/api/v1/recalls", json=issued, headers=target.org.headers)
        return Call(method, f"/api/v1/recalls/{created(response)['id']}{suffix}", body)

    return probe


def error_declaration(world: World, actor: Holdings, target: Holdings) -> Call:
    record = world.record(target.org, target.batch)  # fresh: a record is declared once
    url = f"/api/v1/batches/{target.batch['id']}/records/{record['n']}/error-declaration"
    return Call("POST", url, {"reason": "incorrect_data"})


def delete_webhook(world: World, actor: Holdings, target: Holdings) -> Call:
    return Call("DELETE", f"/api/v1/webhooks/{world.webhook(target.org)}")


def put_category(world: World, actor: Holdings, target: Holdings) -> Call:
    return Call("PUT", f"/api/v1/categories/matrix-{secrets.token_hex(4)}", {})


def revoke_certificate(world: World, actor: Holdings, target: Holdings) -> Call:
    url = f"/api/v1/certificates/{world.certificate(target.org)}/revoke"
    return Call("POST", url, {"reason": "audit failed"})


def confirm_certificate(world: World, actor: Holdings, target: Holdings) -> Call:
    url = f"/api/v1/certificates/{world.certificate(target.org)}/confirm"  # fresh: once only
    return Call("POST", url, {"note": "original seen at the plant"})


def revoke_key(world: World, actor: Holdings, target: Holdings) -> Call:
    return Call("POST", f"/api/v1/orgs/{target.org.id}/keys/{world.key_prefix(target.org)}/revoke")


def suspension(suffix: str) -> Probe:
    def probe(world: World, actor: Holdings, target: Holdings) -> Call:
        # Someone else is a fresh supplier (suspended already, to lift), not the victim: an
        # admin's allowed call must not stop the victim's writes in the other cases.
        if target is actor:
            org_id = actor.org.id
        elif suffix:
            org_id = world.suspended_org().id
        else:
            org_id = new_org(world.sessions, OrgRole.supplier).id
        return Call("POST", f"/api/v1/orgs/{org_id}/suspension{suffix}", {"reason": "audit"})

    return probe


POLICY: dict[tuple[str, str], Rule] = {
    # Products and batches: suppliers register them; admins file products under categories.
    ("POST", "/api/v1/products"): Rule(
        SUPPLIER, body=lambda: {"gtin": random_gtin(), "name": "Matrix tea"}
    ),
    ("PUT", "/api/v1/products/{product_id}/category"): Rule(
        NONE, ADMIN, body=lambda: {"category": None}, holders=SUPPLIER
    ),
    ("POST", "/api/v1/batches"): Rule(SUPPLIER, NONE, probe=new_batch, holders=SUPPLIER),
    # Reading a batch by its (sequential) id: those taking part in it, and oversight; the
    # public reads it by the code on the product (test_batch_enumeration.py).
    ("GET", "/api/v1/batches/{batch_id}"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/qr.png"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/qr.svg"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/labels.pdf"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/custody"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/trace"): Rule(ALL, OVERSIGHT),
    # Events: the custodian records them. Units: the owner commissions and lists them.
    ("POST", "/api/v1/batches/{batch_id}/events"): Rule(ALL, NONE, body=storage),
    ("POST", "/api/v1/batches/{batch_id}/events:bulk"): Rule(
        ALL, NONE, body=lambda: {"events": [storage()]}
    ),
    ("POST", "/api/v1/batches/{batch_id}/serials"): Rule(SUPPLIER, NONE, body=lambda: {"count": 1}),
    ("GET", "/api/v1/batches/{batch_id}/serials"): Rule(SUPPLIER, NONE),
    ("GET", "/api/v1/batches/{batch_id}/serials/labels.pdf"): Rule(SUPPLIER, NONE),
    # Transforming needs custody of the inputs and an own product to make.
    ("POST", "/api/v1/transformations"): Rule(SUPPLIER, NONE, probe=transformation),
    # Audit trails: the batch's owner (not its custodian), inspectors and admins.
    ("GET", "/api/v1/batches/{batch_id}/audit"): Rule(SUPPLIER_OVERSIGHT, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/audit/bundle"): Rule(SUPPLIER_OVERSIGHT, OVERSIGHT),
    ("GET", "/api/v1/batches/{batch_id}/audit/report.pdf"): Rule(SUPPLIER_OVERSIGHT, OVERSIGHT),
    ("GET", "/api/v1/orgs/{org_id}/audit"): Rule(ALL, OVERSIGHT),
    # 409: a record is redacted once anchored, and these are pending. The role check comes
    # first (403), so a 409 shows the admin got past it.
    ("POST", "/api/v1/records/{record_id}/redact"): Rule(
        ADMIN, ADMIN, body=lambda: {"reason": "court order"}, expect=frozenset({409})
    ),
    # Signatures: an organisation signs only the records it made.
    ("GET", "/api/v1/orgs/me/signing"): Rule(ALL),
    ("PUT", "/api/v1/orgs/me/signing"): Rule(ALL, body=lambda: {"require_signatures": False}),
    ("POST", "/api/v1/orgs/me/addresses/challenge"): Rule(
        ALL, body=lambda: {"address": Account.create().address}
    ),
    ("POST", "/api/v1/orgs/me/addresses"): Rule(ALL, probe=new_address),
    ("DELETE", "/api/v1/orgs/me/addresses/{address}"): Rule(ALL, probe=remove_address),
    ("GET", "/api/v1/records/{record_id}/signing-payload"): Rule(ALL, NONE),
    ("POST", "/api/v1/records/{record_id}/signature"): Rule(ALL, NONE, probe=signature),
    ("POST", "/api/v1/files"): Rule(ALL, probe=upload),
    # Complaints: handled by the batch's owner, or an admin.
    ("GET", "/api/v1/complaints"): Rule(HANDLERS),
    ("GET", "/api/v1/complaints/overdue/count"): Rule(HANDLERS),
    ("GET", "/api/v1/complaints/{code}"): Rule(HANDLERS, ADMIN),
    ("POST", "/api/v1/complaints/{code}/transitions"): Rule(HANDLERS, ADMIN, probe=transition),
    ("DELETE", "/api/v1/complaints/{code}/contact"): Rule(HANDLERS, ADMIN),
    # Quality alerts awaiting review: the quality desk (admin) alone confirms or dismisses;
    # 409 when the batch has none waiting (the role check comes first).
    ("GET", "/api/v1/complaints/reviews"): Rule(HANDLERS),
    ("POST", "/api/v1/complaints/reviews/{batch_id}/confirm"): Rule(
        ADMIN, ADMIN, body=lambda: {"reason": "reviewed"}, expect=frozenset({409})
    ),
    ("POST", "/api/v1/complaints/reviews/{batch_id}/dismiss"): Rule(
        ADMIN, ADMIN, body=lambda: {"reason": "reviewed"}, expect=frozenset({409})
    ),
    # Recalls: the owner recalls its own batches, inspectors and admins any. Reading one is
    # for every organisation (ambiguous; chosen: a recall is a public safety notice, and the
    # custody periods its export lists are every party's to read).
    ("POST", "/api/v1/recalls"): Rule(SUPPLIER_OVERSIGHT, OVERSIGHT, probe=recall),
    ("GET", "/api/v1/recalls/{recall_id}"): Rule(ALL),
    # Changing a recall: its issuer ("own"), and inspectors and admins, who may recall any
    # batch, any recall; a supplier never changes another's (a regulator's) recall.
    ("PATCH", "/api/v1/recalls/{recall_id}"): Rule(
        SUPPLIER_OVERSIGHT,
        OVERSIGHT,
        probe=change_recall("PATCH", "", {"instructions": "Call 400-800-0000"}),
        holders=SUPPLIER_OVERSIGHT,
    ),
    ("POST", "/api/v1/recalls/{recall_id}/close"): Rule(
        SUPPLIER_OVERSIGHT,
        OVERSIGHT,
        probe=change_recall("POST", "/close", {"outcome": "lifted", "reason": "retest clean"}),
        holders=SUPPLIER_OVERSIGHT,
    ),
    ("GET", "/api/v1/recalls/{recall_id}/export.csv"): Rule(ALL),
    # Error declarations: only the organisation that recorded the record (design §2.10).
    ("POST", "/api/v1/batches/{batch_id}/records/{n}/error-declaration"): Rule(
        ALL, NONE, probe=error_declaration
    ),
    # Webhooks: one's own subscriptions only; another's answer 404, hiding its existence.
    ("POST", "/api/v1/webhooks"): Rule(
        ALL, body=lambda: {"url": "https://hooks.example.com/m", "events": ["batch.on_hold"]}
    ),
    ("GET", "/api/v1/webhooks"): Rule(ALL),
    ("DELETE", "/api/v1/webhooks/{subscription_id}"): Rule(ALL, NONE, probe=delete_webhook),
    ("GET", "/api/v1/webhooks/{subscription_id}/deliveries"): Rule(ALL, NONE),
    # Categories: admins set them up, everyone reads them.
    ("PUT", "/api/v1/categories/{name}"): Rule(ADMIN, probe=put_category),
    ("GET", "/api/v1/categories"): Rule(ALL),
    ("GET", "/api/v1/categories/{name}"): Rule(ALL),
    # Organisations: profiles are for every member; certificates, histories and scorecards
    # for the organisation itself and oversight; admins alone act on other organisations.
    ("GET", "/api/v1/orgs/{org_id}"): Rule(ALL, ALL),
    ("GET", "/api/v1/orgs/{org_id}/scorecard"): Rule(SUPPLIER_OVERSIGHT, OVERSIGHT),
    ("POST", "/api/v1/orgs/{org_id}/certificates"): Rule(ALL, ADMIN, body=certificate_body),
    ("GET", "/api/v1/orgs/{org_id}/certificates"): Rule(ALL, OVERSIGHT),
    ("GET", "/api/v1/certificates/expiring"): Rule(SUPPLIER_OVERSIGHT),
    ("GET", "/api/v1/certificates/{certificate_id}"): Rule(ALL, OVERSIGHT),
    ("POST", "/api/v1/certificates/{certificate_id}/revoke"): Rule(
        ALL, ADMIN, probe=revoke_certificate
    ),
    # Confirming: an inspector or an admin vouches for someone else's certificate, never its own.
    ("POST", "/api/v1/certificates/{certificate_id}/confirm"): Rule(
        NONE, OVERSIGHT, probe=confirm_certificate
    ),
    # Nobody suspends itself (and admins cannot be suspended): "own" is refused to all.
    ("POST", "/api/v1/orgs/{org_id}/suspension"): Rule(NONE, ADMIN, probe=suspension("")),
    ("POST", "/api/v1/orgs/{org_id}/suspension/lift"): Rule(NONE, ADMIN, probe=suspension("/lift")),
    ("GET", "/api/v1/orgs/{org_id}/keys"): Rule(ALL, ADMIN),
    ("POST", "/api/v1/orgs/{org_id}/keys"): Rule(ALL, ADMIN),
    ("POST", "/api/v1/orgs/{org_id}/keys/{prefix}/revoke"): Rule(ALL, ADMIN, probe=revoke_key),
}
# (method, path, role, scope) -> what is wrong. Strict: fixed holes must leave this list.
# (Empty: bulk posts on someone else's batch answered 422 until they were made a 403.)
KNOWN_HOLES: dict[tuple[str, str, OrgRole, Scope], str] = {}


def matrix() -> Iterator[Any]:
    """One case per operation, role and scope (own object, someone else's, or "any")."""
    for (method, path), rule in POLICY.items():
        scopes = ("any",) if rule.other is None else ("own", "other")
        for role in OrgRole:
            for scope in scopes:
                if scope == "own" and role not in rule.holders:
                    continue
                hole = KNOWN_HOLES.get((method, path, role, scope))
                marks = [pytest.mark.xfail(strict=True, reason=hole)] if hole else []
                case_id = f"{method} {path} {role} {scope}"
                yield pytest.param(method, path, role, scope, marks=marks, id=case_id)


@pytest.fixture(scope="module")
def app_client(
    database_url: str, chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One app for the whole module (settings as in tests/conftest.py): starting one per
    case, with its migrations check and threads, would cost more than the cases."""
    settings = app_settings(database_url, chain_proxy.url, tmp_path_factory.mktemp("files"))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def world(app_client: TestClient, sessions: SessionFactory) -> World:
    return build_world(app_client, sessions)


class TestRouteTable:
    def test_every_secured_operation_has_a_policy(self, app_client: TestClient) -> None:
        secured = secured_operations(app_client)
        missing = sorted(secured - POLICY.keys())
        stale = sorted(POLICY.keys() - secured)
        assert not missing, f"operations taking an API key without a POLICY entry: {missing}"
        assert not stale, f"POLICY entries for no operation taking an API key: {stale}"


class TestAuthorizationMatrix:
    @pytest.mark.parametrize(("method", "path", "role", "scope"), list(matrix()))
    def test_role_on_object(
        self, world: World, method: str, path: str, role: OrgRole, scope: Scope
    ) -> None:
        rule = POLICY[(method, path)]
        actor = world.actors[role]
        call = rule.call(method, path, world, actor, world.victim if scope == "other" else actor)
        allowed = rule.allows(role, scope)
        before = None if allowed or method == "GET" else world.fingerprint()
        response = call.send(world.client, actor.org.headers)
        status = response.status_code
        verdict = "may" if allowed else "may not"
        what = f"{role} {verdict} {method} {call.path} ({scope}): {status} {response.text[:300]}"
        assert status < 500, what
        if allowed:
            assert response.is_success or status in rule.expect, what
        else:
            assert status in (403, 404), what
            if before is not None:
                assert world.fingerprint() == before, f"the refusal changed data: {what}"


class TestAuthentication:
    @pytest.mark.parametrize(("method", "path"), list(POLICY))
    @pytest.mark.parametrize("key", ["none", "unknown", "revoked"])
    def test_no_valid_key_is_401(self, world: World, method: str, path: str, key: str) -> None:
        rule, supplier = POLICY[(method, path)], world.actors[OrgRole.supplier]
        call = rule.call(method, path, world, supplier, world.victim)
        sent = {"none": None, "unknown": make_key().key, "revoked": world.revoked_key}[key]
        headers = {} if sent is None else auth(sent)
        before = None if method == "GET" else world.fingerprint()
        response = call.send(world.client, headers)
        assert response.status_code == 401, (method, call.path, response.text[:300])
        assert before is None or world.fingerprint() == before, (method, call.path)


class TestRefusedWritesChangeNothing:
    """Refusals leave everything as it was (seen through the API too), and the fingerprint
    the matrix checks that with does see what writes change."""

    @pytest.mark.parametrize("role", list(OrgRole))
    @pytest.mark.parametrize(
        "path", ["/api/v1/batches/{batch_id}/events", "/api/v1/batches/{batch_id}/events:bulk"]
    )
    def test_events_on_someone_elses_batch_leave_it_as_it_was(
        self, world: World, role: OrgRole, path: str
    ) -> None:
        victim, intruder = world.victim, world.actors[role]
        url = f"/api/v1/batches/{victim.batch['id']}"
        read = victim.org.headers
        count, before = (
            world.client.get(url, headers=read).json()["record_count"],
            world.fingerprint(),
        )
        call = POLICY[("POST", path)].call("POST", path, world, intruder, victim)
        refused = call.send(world.client, intruder.org.headers)
        assert not refused.is_success, refused.text
        assert world.client.get(url, headers=read).json()["record_count"] == count
        assert world.fingerprint() == before

    @pytest.mark.parametrize(
        ("method", "path", "role", "scope"),
        [
            ("POST", "/api/v1/batches/{batch_id}/events", OrgRole.logistics, "own"),
            ("POST", "/api/v1/complaints/{code}/transitions", OrgRole.supplier, "own"),
            ("DELETE", "/api/v1/webhooks/{subscription_id}", OrgRole.retailer, "own"),
            ("POST", "/api/v1/certificates/{certificate_id}/revoke", OrgRole.admin, "other"),
            ("POST", "/api/v1/orgs/{org_id}/suspension", OrgRole.admin, "other"),
            ("POST", "/api/v1/orgs/{org_id}/keys/{prefix}/revoke", OrgRole.inspector, "own"),
        ],
    )
    def test_the_fingerprint_sees_allowed_writes(
        self, world: World, method: str, path: str, role: OrgRole, scope: Scope
    ) -> None:
        """The check has teeth: what an allowed write changes shows in the fingerprint."""
        actor = world.actors[role]
        target = world.victim if scope == "other" else actor
        call = POLICY[(method, path)].call(method, path, world, actor, target)
        before = world.fingerprint()
        assert call.send(world.client, actor.org.headers).is_success
        assert world.fingerprint() != before

    def test_a_refused_suspension_leaves_the_victim_writing(self, world: World) -> None:
        victim = world.victim
        for role in OrgRole:
            if role != OrgRole.admin:
                intruder = world.actors[role].org
                url = f"/api/v1/orgs/{victim.org.id}/suspension"
                body = {"reason": "forged report"}
                refused = world.client.post(url, json=body, headers=intruder.headers)
                assert refused.status_code == 403, (role, refused.text)
        profile = world.client.get(f"/api/v1/orgs/{victim.org.id}", headers=victim.org.headers)
        assert profile.json()["suspended"] is False
        assert world.record(victim.org, victim.batch)["batch_id"] == victim.batch["id"]


class TestListsShowOnlyOwnItems:
    """Lists are filtered to the caller (API3): another supplier's items never show."""

    def test_complaints(self, world: World) -> None:
        supplier, victim = world.actors[OrgRole.supplier], world.victim
        listed = world.client.get("/api/v1/complaints?limit=500", headers=supplier.org.headers)
        codes = {item["code"] for item in listed.json()["items"]}
        assert supplier.complaint in codes and victim.complaint not in codes

    def test_webhooks(self, world: World) -> None:
        supplier, victim = world.actors[OrgRole.supplier], world.victim
        listed = world.client.get("/api/v1/webhooks", headers=supplier.org.headers).json()
        ids = {hook["id"] for hook in listed}
        assert supplier.webhook_id in ids and victim.webhook_id not in ids

    def test_expiring_certificates(self, world: World) -> None:
        supplier = world.actors[OrgRole.supplier]
        url = "/api/v1/certificates/expiring?days=365"
        items = world.client.get(url, headers=supplier.org.headers).json()["items"]
        assert supplier.certificate_id in {item["id"] for item in items}
        assert {item["org_id"] for item in items} == {supplier.org.id}

    def test_signing_addresses(self, world: World) -> None:
        supplier, victim = world.actors[OrgRole.supplier], world.victim
        mine = world.client.get("/api/v1/orgs/me/signing", headers=supplier.org.headers).json()
        assert supplier.account.address in mine["addresses"]
        assert victim.account.address not in mine["addresses"]
