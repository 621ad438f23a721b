"""What one record of the audit report says, in the reader's language: its name, who acted,
when (in the event's own offset) and what it found.

Read from the record's content (what was anchored), so a report says what the bundle proves.
Text people typed (a handler's reason, a recall's instructions, free-form details) is shown as
written; everything else comes from the message catalogue (``service/i18n/catalogue``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from service.audit.schemas import AuditRecord
from service.i18n import Translator
from service.i18n.catalogue import CATALOGUE
from service.i18n.times import local_time
from service.verdicts.schemas import RecordVerification

Event = Mapping[str, Any]
_URN_PARTY = "urn:lotproof:org:"


def event_name(t: Translator, event: Event, check: RecordVerification | None) -> str:
    """The event as the consumer page names it (``event.<type>``), else its EPCIS bizStep."""
    if "lp:complaint" in event:
        return t("report.event.complaint")
    if check is not None and f"event.{check.type}" in CATALOGUE:
        return t(f"event.{check.type}")
    return str(event.get("bizStep") or (check.type if check else None) or event.get("type", "-"))


def actor(t: Translator, item: AuditRecord) -> str:
    """Who really acted: a shopper, the service, or an organisation by name (and slug)."""
    if item.actor_kind in ("public", "service"):
        return t(f"report.actor.{item.actor_kind}")
    slug = (item.record or {}).get("actor")
    if not slug:
        return "-"
    if item.actor_name:
        return t("report.actor.organisation", name=item.actor_name, slug=slug)
    return str(slug)


def event_time(event: Event, check: RecordVerification | None) -> str:
    """When it happened, where it happened: the record's eventTime in its own offset."""
    offset = event.get("eventTimeZoneOffset")
    try:
        moment = datetime.fromisoformat(str(event["eventTime"]))
    except (KeyError, ValueError):
        if check is None:
            return "-"
        moment, offset = check.event_time, check.time_zone_offset
    return local_time(moment, offset if isinstance(offset, str) else None)


def findings(t: Translator, event: Event, check: RecordVerification | None) -> list[str]:
    """What the record found, one clause per fact; empty for a plain custody step."""
    found: list[str] = []
    if "lp:inspection" in event or (check is not None and check.type == "inspection"):
        found += _inspection(t, event, check)
    for member, read in _READERS:
        if member in event:
            found += read(t, event)
    shown = {"result"} if check is not None and check.inspection_result else set()
    details = event.get("lp:details")
    if isinstance(details, Mapping):
        found += [
            t("report.detail", name=key, value=_text(value))
            for key, value in details.items()
            if key not in shown
        ]
    return found


def corrections(t: Translator, item: AuditRecord) -> list[str]:
    """Where the record stands in a correction (docs/design.md §2.10): declared erroneous by
    its actor (and corrected by which records), or correcting others."""
    notes = []
    declared = item.declared_erroneous
    if declared is not None:
        reason = _vocabulary(t, f"correction.reason.{declared.reason}", declared.reason)
        notes.append(
            t("report.declared_erroneous", declaration=declared.declaration_n, reason=reason)
        )
        if declared.corrective_n:
            notes.append(t("report.corrected_by", records=_numbers(declared.corrective_n)))
    if item.corrects:
        notes.append(t("report.corrects", records=_numbers(item.corrects)))
    return notes


def _inspection(t: Translator, event: Event, check: RecordVerification | None) -> list[str]:
    found = []
    if check is not None and check.inspection_result in ("pass", "fail"):
        result = t(f"report.inspection.{check.inspection_result}")
        found.append(t("report.inspection.result", result=result))
    if check is not None and check.independent_inspection is not None:
        found.append(
            t(f"report.inspection.{'independent' if check.independent_inspection else 'self'}")
        )
    sampling = event.get("lp:inspection")
    if isinstance(sampling, Mapping):
        found.append(
            t(
                "report.sampling",
                standard=sampling.get("standard", "-"),
                sample=sampling.get("sampleSize", "-"),
                lot=sampling.get("lotSize", "-"),
                level=sampling.get("level", "-"),
            )
        )
        classes = sampling.get("classes")
        for name, plan in (classes or {}).items() if isinstance(classes, Mapping) else ():
            if isinstance(plan, Mapping):
                found.append(
                    t(
                        "report.sampling_class",
                        name=name,
                        defects=plan.get("defects", "-"),
                        ac=plan.get("ac", "-"),
                        aql=plan.get("aql", "-"),
                    )
                )
    return found


def _complaint(t: Translator, event: Event) -> list[str]:
    complaint = event.get("lp:complaint")
    if not isinstance(complaint, Mapping):
        return []
    category, status = complaint.get("category"), complaint.get("status")
    found = [
        t(
            "report.complaint",
            code=complaint.get("code", "-"),
            category=_vocabulary(t, f"complaint.cat.{category}", category),
            status=_vocabulary(t, f"complaint.status.{status}", status),
        )
    ]
    if complaint.get("serial"):
        found.append(t("report.complaint.serial", serial=complaint["serial"]))
    # At filing the reason is the service's own placeholder, not a handler's words.
    if status != "received" and complaint.get("reason"):
        found.append(t("report.complaint.reason", reason=complaint["reason"]))
    if complaint.get("evidence"):
        found.append(t("report.complaint.evidence", count=len(complaint["evidence"])))
    return found


def _alert(t: Translator, event: Event) -> list[str]:
    alert = event.get("lp:alert")
    if not isinstance(alert, Mapping):
        return []
    found = [
        t(
            "report.alert.numbers",
            complaints=alert.get("complaints", "-"),
            sources=alert.get("sources", "-"),
            days=alert.get("window_days", "-"),
            threshold=alert.get("threshold", "-"),
        )
    ]
    if alert.get("per_1000") is not None:
        rate, limit = alert["per_1000"], alert.get("threshold_per_1000", "-")
        found.append(t("report.alert.rate", rate=rate, threshold=limit))
    review = alert.get("review")
    if isinstance(review, Mapping) and review.get("decision") in ("confirmed", "dismissed"):
        found.append(t(f"report.alert.{review['decision']}", reason=review.get("reason", "")))
    elif review is None:
        found.append(t("report.alert.automatic"))
    return found


def _recall(t: Translator, event: Event) -> list[str]:
    recall = event.get("lp:recall")
    if not isinstance(recall, Mapping):
        return []
    number, severity = recall.get("recallId", "-"), recall.get("severity", "-")
    change = recall.get("change")
    if change == "closed":
        outcome = "lifted" if recall.get("outcome") == "lifted" else "completed"
        found = [t(f"report.recall.{outcome}", recall=number)]
    elif change == "updated":
        found = [t("report.recall.updated", recall=number, severity=severity)]
    else:
        found = [t("report.recall", recall=number, severity=severity)]
    if recall.get("via"):
        found.append(t("report.recall.via", via=", ".join(str(v) for v in recall["via"])))
    if recall.get("reason"):
        found.append(t("report.recall.reason", reason=recall["reason"]))
    if recall.get("instructions"):
        found.append(t("report.recall.instructions", instructions=recall["instructions"]))
    return found


def _temperature(t: Translator, event: Event) -> list[str]:
    found = []
    for element in event.get("sensorElementList") or []:
        for report in element.get("sensorReport", []) if isinstance(element, Mapping) else []:
            if isinstance(report, Mapping) and report.get("type") == "Temperature":
                found.append(t("report.temperature", value=report.get("value", "-")))
    return found


def _sources(t: Translator, event: Event) -> list[str]:
    return _parties(t, event.get("sourceList"), "source", "report.handover.from")


def _destinations(t: Translator, event: Event) -> list[str]:
    return _parties(t, event.get("destinationList"), "destination", "report.handover.to")


def _parties(t: Translator, parties: object, key: str, message: str) -> list[str]:
    """A custody handover's parties, by slug (``urn:lotproof:org:<slug>``)."""
    found = []
    for party in parties if isinstance(parties, list) else []:
        name = str(party.get(key, "")) if isinstance(party, Mapping) else ""
        found.append(t(message, party=name.removeprefix(_URN_PARTY)))
    return found


def _declaration(t: Translator, event: Event) -> list[str]:
    declared = event.get("lp:declares")
    declaration = event.get("errorDeclaration")
    n = declared.get("n", "-") if isinstance(declared, Mapping) else "-"
    reason = declaration.get("reason", "-") if isinstance(declaration, Mapping) else "-"
    label = _vocabulary(t, f"correction.reason.{reason}", reason)
    return [t("report.declares", n=n, reason=label)]


Reader = Callable[[Translator, Event], list[str]]
# Each member of an event that says what was found, and how it reads (in this order).
_READERS: tuple[tuple[str, Reader], ...] = (
    ("errorDeclaration", _declaration),
    ("lp:complaint", _complaint),
    ("lp:alert", _alert),
    ("lp:recall", _recall),
    ("sensorElementList", _temperature),
    ("sourceList", _sources),
    ("destinationList", _destinations),
)


def _vocabulary(t: Translator, key: str, value: object) -> str:
    return t(key) if key in CATALOGUE else str(value)


def _numbers(ns: list[int]) -> str:
    return ", ".join(f"#{n}" for n in ns)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
