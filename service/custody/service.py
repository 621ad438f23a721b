"""The custody chain of a batch, read from its records (so it is as anchored as they are)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.batches.service import get_batch
from service.custody.rules import custodian_id
from service.custody.schemas import CustodyChain, CustodyPeriod, Handover, Party
from service.db.models import Record
from service.orgs.repository import OrgRepository
from service.records.epcis import EventType, party_urn
from service.records.repository import RecordRepository


def _party_of(event: dict[str, Any], key: str, field: str) -> str | None:
    for entry in event.get(key, []):
        urn = str(entry.get(field, ""))
        if entry.get("type") == "possessing_party" and urn.startswith(party_urn("")):
            return urn.removeprefix(party_urn(""))
    return None


def custody_chain(session: Session, batch_id: int) -> CustodyChain:
    batch = get_batch(session, batch_id)
    orgs = OrgRepository(session)
    records = RecordRepository(session).list_by_batch(batch.id)
    owner = orgs.get_by_id(batch.owner_org_id)
    assert owner is not None
    names: dict[str, str] = {}

    def party(slug: str) -> Party:
        if slug not in names:
            found = orgs.get_by_slug(slug)
            names[slug] = found.name if found else slug
        return Party(slug=slug, name=names[slug])

    periods = [
        CustodyPeriod(
            custodian=party(owner.slug),
            since=batch.produced_at,
            until=None,
            location=_first_location(records),
        )
    ]
    handovers: list[Handover] = []
    for record, event in _handover_events(records):
        location = event.get("lp:location")
        if record.event_type == EventType.shipping:
            handovers.append(
                Handover(
                    sender=party(_party_of(event, "sourceList", "source") or owner.slug),
                    receiver=party(_party_of(event, "destinationList", "destination") or "?"),
                    shipped_at=record.event_time,
                    shipped_from=location,
                    received_at=None,
                    received_at_location=None,
                )
            )
        elif handovers and handovers[-1].received_at is None:
            handovers[-1].received_at = record.event_time
            handovers[-1].received_at_location = location
            periods[-1].until = record.event_time
            periods.append(
                CustodyPeriod(
                    custodian=handovers[-1].receiver,
                    since=record.event_time,
                    until=None,
                    location=location,
                )
            )
    current = orgs.get_by_id(custodian_id(batch))
    in_transit = orgs.get_by_id(batch.in_transit_to_org_id) if batch.in_transit_to_org_id else None
    assert current is not None
    return CustodyChain(
        batch_id=batch.id,
        custodian=party(current.slug),
        in_transit_to=party(in_transit.slug) if in_transit else None,
        periods=periods,
        handovers=handovers,
    )


def _handover_events(records: Sequence[Record]) -> list[tuple[Record, dict[str, Any]]]:
    found = []
    for record in records:
        if record.event_type in (EventType.shipping, EventType.receiving) and record.content:
            found.append((record, json.loads(record.content).get("event", {})))
    return found


def _first_location(records: Sequence[Record]) -> str | None:
    for record in records:
        if record.content:
            location = json.loads(record.content).get("event", {}).get("lp:location")
            return str(location) if location else None
    return None
