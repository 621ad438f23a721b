"""The events of organisation records (format v2, docs/design.md §2.4 and §2.6).

Certificates, their revocation and confirmation, and suspensions belong to no batch: they are
not EPCIS events (no object moves), but are shaped like the batch events of
``service.records.epcis`` so that readers find ``type``, ``eventTime`` and
``eventTimeZoneOffset`` where they expect them. One builder per kind, as there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.records.epcis import common_members


def org_event(kind: str, at: datetime, fields: dict[str, Any]) -> dict[str, Any]:
    """The ``event`` of an organisation record (format v2): ``lp:<kind>`` holds what happened.

    Not an EPCIS event (no object moves), but shaped like one so readers of batch records
    find ``type``, ``eventTime`` and ``eventTimeZoneOffset`` where they expect them.
    """
    return common_members(f"lp:{kind[0].upper()}{kind[1:]}Event", at) | {f"lp:{kind}": fields}


def certificate_event(
    *,
    at: datetime,
    certificate_type: str,
    issuer: str,
    number: str,
    valid_from: str,
    valid_to: str,
    evidence: list[str],
) -> dict[str, Any]:
    """A qualification certificate entered in its organisation's history."""
    fields = {
        "type": certificate_type,
        "issuer": issuer,
        "number": number,
        "validFrom": valid_from,
        "validTo": valid_to,
        "evidence": evidence,
    }
    return org_event("certificate", at, fields)


def certificate_revoked_event(
    *, at: datetime, certificate_id: int, certificate_type: str, number: str, reason: str
) -> dict[str, Any]:
    """The revocation of a certificate, in the same organisation's history."""
    fields = {
        "id": certificate_id,
        "type": certificate_type,
        "number": number,
        "reason": reason,
        "status": "revoked",
    }
    return org_event("certificate", at, fields)


def certificate_confirmed_event(
    *,
    at: datetime,
    certificate_id: int,
    certificate_type: str,
    number: str,
    note: str,
    evidence: list[str],
) -> dict[str, Any]:
    """An inspector or admin confirms a certificate the organisation declared (the record's
    ``actor`` says who), in the same organisation's history."""
    fields = {
        "id": certificate_id,
        "type": certificate_type,
        "number": number,
        "status": "confirmed",
        "note": note,
        "evidence": evidence,
    }
    return org_event("certificate", at, fields)


def suspension_event(*, at: datetime, action: str, reason: str) -> dict[str, Any]:
    """An admin suspends (``action="suspend"``) or reinstates (``"lift"``) an organisation."""
    return org_event("suspension", at, {"action": action, "reason": reason})
