"""Every producer of records writes through one door, and what it writes is what docs/design.md
documents (§2.3, §2.4, §2.6), with a digest anyone can recompute.

The producers are driven through the API, as clients reach them (single posts through the
fast lane, bulk, transformations, recalls, complaints and their transitions, quality alerts,
certificates, suspensions). Each stored record is then checked independently of
``service.hashing``: its text is RFC 8785 JSON (the ``rfc8785`` package), its digest is the
sha256 of that text, and its fields and event shape are those of the tables in
docs/design.md, read from the document itself, so neither can drift from the other.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Batch, Organization, OrgRole, Record
from tests.builders import (
    auth,
    event_body,
    failing_sampling,
    make_batch,
    make_org,
    post_event,
)

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "docs" / "design.md"
_NETWORKS = itertools.count(secrets.randbelow(2**16))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(update={"trust_forwarded_for": True})
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


# --- what docs/design.md says -------------------------------------------------------------


def _section(heading: str) -> str:
    text = DESIGN.read_text()
    start = text.index(heading)
    end = text.index("\n### ", start + len(heading))
    return text[start:end]


def _table_rows(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def documented_fields(heading: str) -> set[str]:
    """The record's top-level members, from the field table of §2.3 or §2.4."""
    names: set[str] = set()
    for row in _table_rows(_section(heading)):
        names |= set(re.findall(r"`([A-Za-z]+)`", row[0]))
    return names


def documented_events() -> dict[str, dict[str, Any]]:
    """§2.6's table: per event type, its ``type``, the allowed (action, bizStep, disposition)
    and the members it names."""
    kinds: dict[str, dict[str, Any]] = {}
    for kind_cell, type_cell, vocabulary, members in _table_rows(_section("### §2.6")):
        words = [w.strip() for w in vocabulary.split("/")]
        dispositions = set(words[-1].split(" or ")) if len(words) == 3 else set()
        if "disposition" in vocabulary and len(words) != 3:  # "bizStep x, disposition y"
            found = re.search(r"bizStep (\w+), disposition (\w+)", vocabulary)
            assert found, vocabulary
            words = ["", found[1], found[2]]
            dispositions = {found[2]}
        for kind in re.split(r",\s*", re.sub(r"\(v2\)", "", kind_cell).strip()):
            kinds[kind.strip("` ")] = {
                "type": type_cell.strip("`"),
                "action": (words[0] or None) if len(words) == 3 else None,
                "bizStep": words[1] if len(words) == 3 else None,
                "dispositions": dispositions,
                "members": set(
                    re.findall(r"`(lp:[a-z]+|[A-Za-z]+List|transformationID)`", members)
                ),
            }
    return kinds


# --- driving every producer ---------------------------------------------------------------


def complain(client: TestClient, batch: dict[str, Any]) -> str:
    network = next(_NETWORKS) % 2**16
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "safety",
        "description": "It made me ill.",
    }
    address = {"X-Forwarded-For": f"10.{network // 256}.{network % 256}.9"}
    response = client.post("/api/v1/complaints", json=body, headers=address)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def move(client: TestClient, key: str, code: str, status: str) -> None:
    body = {"status": status, "reason": f"now {status}"}
    response = client.post(f"/api/v1/complaints/{code}/transitions", json=body, headers=auth(key))
    assert response.status_code == 200, response.text


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def drive_every_producer(client: TestClient, sessions: SessionFactory) -> dict[str, int]:
    """Run each producer once (some twice); returns {org slug: org id} of those involved."""
    supplier_slug, supplier = make_org(sessions)
    carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
    _, inspector = make_org(sessions, OrgRole.inspector)
    _, admin = make_org(sessions, OrgRole.admin)
    batch = make_batch(client, supplier)
    url = f"/api/v1/batches/{batch['id']}/events"
    for kind in ("production", "packing", "storage"):
        post_event(client, supplier, batch["id"], event_body(kind))
    wrong = post_event(client, supplier, batch["id"], event_body("storage", hours=1))
    declaration = f"/api/v1/batches/{batch['id']}/records/{wrong['n']}/error-declaration"
    ok(client.post(declaration, json={"reason": "incorrect_data"}, headers=auth(supplier)))
    inspection = event_body("inspection") | {"sampling": failing_sampling()}
    post_event(client, inspector, batch["id"], inspection)
    release = event_body("release", reason="retested, passed")
    post_event(client, inspector, batch["id"], release)
    post_event(client, supplier, batch["id"], event_body("shipping") | {"receiver": carrier_slug})
    post_event(client, carrier, batch["id"], event_body("receiving"))
    post_event(client, carrier, batch["id"], event_body("temperature") | {"temperature_c": 4.5})
    rows = [event_body("storage", hours=h) for h in (3, 4)]
    ok(client.post(f"{url}:bulk", json={"events": rows}, headers=auth(carrier)))

    other = make_batch(client, supplier)
    body = {
        "inputs": [{"batch_id": other["id"], "quantity": 100}],
        "output": {
            "gtin": other["gtin"],
            "lot": f"{other['lot']}-B",
            "quantity": 100,
            "unit": "KGM",
            "produced_at": "2026-11-04T08:00:00+08:00",
        },
        "event_time": "2026-11-04T09:30:00+08:00",
        "location": "Mill 1",
        "details": {"process": "blend"},
    }
    ok(client.post("/api/v1/transformations", json=body, headers=auth(supplier)))

    # Enough distinct sources for the lot of 1,200 kg to be flagged (rate and count).
    codes = [complain(client, batch) for _ in range(8)]
    for status in ("acknowledged", "investigating", "resolved"):
        move(client, supplier, codes[0], status)
    move(client, supplier, codes[1], "rejected")
    reviews = f"/api/v1/complaints/reviews/{batch['id']}"
    ok(client.post(f"{reviews}/confirm", json={"reason": "lab"}, headers=auth(admin)), 200)
    dismissed = make_batch(client, supplier)
    for _ in range(8):
        complain(client, dismissed)
    dismiss = f"/api/v1/complaints/reviews/{dismissed['id']}/dismiss"
    ok(client.post(dismiss, json={"reason": "not ours"}, headers=auth(admin)), 200)

    recall = {
        "batch_ids": [other["id"]],
        "reason": "Listeria found in retained sample",
        "severity": "I",
        "instructions": "Do not eat; return it.",
    }
    recalled = ok(client.post("/api/v1/recalls", json=recall, headers=auth(supplier)))
    recall_url = f"/api/v1/recalls/{recalled['id']}"
    ok(client.patch(recall_url, json={"instructions": "Call 400-800"}, headers=auth(supplier)), 200)
    closing = {"outcome": "lifted", "reason": "retest negative"}
    ok(client.post(f"{recall_url}/close", json=closing, headers=auth(supplier)), 200)

    with sessions.read() as session:
        supplier_id = session.scalars(
            select(Organization.id).where(Organization.slug == supplier_slug)
        ).one()
    certificate = {
        "type": "food-safety",
        "issuer": "SGS",
        "number": f"CN-{secrets.token_hex(3)}",
        "valid_from": "2026-01-01",
        "valid_to": "2027-01-01",
    }
    certs = f"/api/v1/orgs/{supplier_id}/certificates"
    created = ok(client.post(certs, json=certificate, headers=auth(supplier)))
    second = certificate | {"number": f"CN-{secrets.token_hex(3)}"}
    confirmed = ok(client.post(certs, json=second, headers=auth(supplier)))
    confirm = f"/api/v1/certificates/{confirmed['id']}/confirm"
    ok(client.post(confirm, json={"note": "original seen"}, headers=auth(inspector)), 200)
    revoke = f"/api/v1/certificates/{created['id']}/revoke"
    ok(client.post(revoke, json={"reason": "audit failed"}, headers=auth(admin)), 200)
    suspension = f"/api/v1/orgs/{supplier_id}/suspension"
    ok(client.post(suspension, json={"reason": "forged report"}, headers=auth(admin)))
    ok(client.post(f"{suspension}/lift", json={"reason": "fixed"}, headers=auth(admin)), 200)
    return {supplier_slug: supplier_id}


# --- the checks -----------------------------------------------------------------------------


def test_every_producer_writes_the_documented_records(
    client: TestClient, sessions: SessionFactory
) -> None:
    orgs = drive_every_producer(client, sessions)
    [(slug, org_id)] = orgs.items()
    with sessions.read() as session:
        org_ids = {org_id}
        # The supplier's batches: some hold no record of its own (complaints are filed by the
        # public, the desk dismisses them), design §2.9.
        batch_ids = set(session.scalars(select(Batch.id).where(Batch.owner_org_id.in_(org_ids))))
        query = select(Record).where(
            Record.batch_id.in_(batch_ids) | Record.subject_org_id.in_(org_ids)
        )
        records = session.scalars(query.order_by(Record.id)).all()
        stored = [(r.event_type, r.content, r.digest, r.batch_id is None) for r in records]

    events = documented_events()
    v1_fields, v2_fields = documented_fields("### §2.3"), documented_fields("### §2.4")
    assert len(events) == 21, f"§2.6 table not parsed: {sorted(events)}"
    for event_type, content, digest, is_org in stored:
        record = json.loads(content)
        # Independent of service.hashing: the text is RFC 8785 JSON and hashes to the digest.
        assert rfc8785.dumps(record).decode() == content
        assert hashlib.sha256(content.encode()).digest() == digest
        assert set(record) == (v2_fields if is_org else v1_fields)
        assert record["v"] == (2 if is_org else 1)
        _check_event(event_type, record["event"], events[event_type])
    seen = {event_type for event_type, *_ in stored}
    assert seen == set(events), f"producers not driven: {set(events) - seen}"
    assert slug in {json.loads(c)["actor"] for _, c, *_ in stored}


def _check_event(event_type: str, event: dict[str, Any], documented: dict[str, Any]) -> None:
    assert event["type"] == documented["type"], event_type
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["eventTime"])
    assert re.fullmatch(r"[+-]\d\d:\d\d", event["eventTimeZoneOffset"])
    if documented["action"] is not None:
        assert event["action"] == documented["action"], event_type
    if documented["bizStep"] is not None:
        assert event["bizStep"] == documented["bizStep"], event_type
    if documented["dispositions"]:
        assert event["disposition"] in documented["dispositions"], event_type
    for member in documented["members"]:
        assert member in event, f"{event_type} lacks {member}"
    if documented["type"] == "ObjectEvent":
        expected_empty = event_type == "complaint"
        assert (event["quantityList"] == []) == expected_empty, event_type


def test_the_table_parser_reads_what_the_document_says() -> None:
    """The checks above are only as good as the reading of §2.6: pin a few rows."""
    events = documented_events()
    assert events["shipping"]["members"] == {"sourceList", "destinationList"}
    assert events["production"]["action"] == "ADD"
    assert events["quality_alert"]["dispositions"] == {"non_conforming", "active"}
    assert events["transformation"]["type"] == "TransformationEvent"
    assert events["suspended"]["type"] == "lp:SuspensionEvent"
    assert {"v", "batch", "n", "prev", "event", "actor", "recordedAt", "salt"} == (
        documented_fields("### §2.3")
    )


# --- the one door ---------------------------------------------------------------------------

SERVICE = ROOT / "service"
_EVENT_MEMBERS = {"eventTime", "eventTimeZoneOffset", "bizStep", "quantityList"}
_RECORD_BUILDERS = {"build_record", "build_org_record", "Record"}


def _doors(path: Path, base: Path = ROOT) -> list[str]:
    """Where ``path`` builds an event (a dict literal with EPCIS members) or a record."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & _EVENT_MEMBERS:
                found.append(f"{path.relative_to(base)}:{node.lineno} builds an event")
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in _RECORD_BUILDERS:
                found.append(f"{path.relative_to(base)}:{node.lineno} builds a record")
    return found


def test_only_the_record_writer_builds_events_and_records() -> None:
    allowed = {SERVICE / "records", SERVICE / "hashing"}
    doors = [
        door
        for path in sorted(SERVICE.rglob("*.py"))
        if not any(path.is_relative_to(a) for a in allowed) and "migrations" not in path.parts
        for door in _doors(path)
    ]
    assert doors == []


def test_the_door_check_finds_hand_built_events_and_records(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'def f(t):\n    return {"type": "ObjectEvent", "eventTime": t}\n'
        "def g(c):\n    return Record(content=c)\n"
    )
    assert _doors(sample, tmp_path) == [
        "sample.py:2 builds an event",
        "sample.py:4 builds a record",
    ]
