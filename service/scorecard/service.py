"""Gathers a supplier's anchored facts for a window and applies the scorecard formula."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from service.certificates.validity import utc_day
from service.db.models import Batch, Complaint, Organization, OrgRole, Record
from service.errors import Forbidden, InvalidInput, NotFound
from service.scorecard import formula
from service.scorecard.repository import ScorecardRepository
from service.scorecard.schemas import ScorecardComponent, ScorecardRead, ScorecardWindow
from service.verdicts.schemas import RecordVerdict
from service.verdicts.service import verify_batch, verify_org

DEFAULT_WINDOW = timedelta(days=90)
_SEES_EVERY_SUPPLIER = {OrgRole.inspector, OrgRole.admin}


def resolve_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """Defaults to the 90 days before now; naive times are taken as UTC."""
    end = _aware(end) if end is not None else now
    start = _aware(start) if start is not None else end - DEFAULT_WINDOW
    if start >= end:
        raise InvalidInput("'from' must be before 'to'", field="from")
    return start, end


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def get_scorecard_org(session: Session, viewer: Organization, org_id: int) -> Organization:
    # Permission before existence, so a supplier cannot probe which org ids exist.
    if viewer.role not in _SEES_EVERY_SUPPLIER and not (
        viewer.role == OrgRole.supplier and viewer.id == org_id
    ):
        raise Forbidden("only inspectors, admins and the supplier itself see a scorecard")
    org = ScorecardRepository(session).get_org_by_id(org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return org


def build_scorecard(
    session: Session,
    org: Organization,
    start: datetime,
    end: datetime,
    formula_name: str = formula.FORMULA,
) -> ScorecardRead:
    weights = formula.FORMULAS[formula_name]
    repo = ScorecardRepository(session)
    complaints = repo.list_complaints(org.id, start, end)
    # Complaints on the org's batches only: a suspected fake of an unknown code has no batch.
    batch_ids = {c.batch_id for c in complaints if c.batch_id is not None}
    quantities = repo.list_batch_quantities(org.id, start, end, batch_ids)
    recalls = repo.list_recalls(org.id, start, end)
    components = [
        _inspection_component(session, repo.list_inspections(org.id, start, end), weights),
        formula.complaints_per_1000(
            [c.code for c in complaints], sum(q for _, q in quantities), weights=weights
        ),
        formula.median_first_response(_response_hours(complaints, end), weights=weights),
        formula.answered_on_time(_on_time(complaints, end), weights=weights),
        formula.recalls([r for r, _ in recalls], [rec for _, rec in recalls], weights=weights),
        formula.certificate_validity()
        if formula_name == formula.FORMULA_V1
        else _certificate_component(session, org, start, end),
    ]
    return ScorecardRead(
        org=org.slug,
        formula=formula_name,
        window=ScorecardWindow.model_validate({"from": start, "to": end}),
        score=formula.total_score(components),
        components=[ScorecardComponent(**asdict(c)) for c in components],
    )


def _certificate_component(
    session: Session, org: Organization, start: datetime, end: datetime
) -> formula.Component:
    """Certificates count only when their record in the org's history is verified."""
    repo = ScorecardRepository(session)
    verified = {
        r.n for r in verify_org(session, org).records if r.verdict == RecordVerdict.verified
    }
    facts = [
        formula.CertificateFact(
            record_id=cert.record_id,
            type=cert.type,
            valid_from=cert.valid_from,
            valid_to=cert.valid_to,
            revoked_on=utc_day(cert.revoked_at) if cert.revoked_at is not None else None,
        )
        for cert, n in repo.list_certificates(org.id)
        if n in verified
    ]
    required = sorted(repo.list_required_certificate_types(org.id))
    measured_from = max(start, org.created_at)
    return formula.certificate_coverage(required, facts, measured_from, end)


def _inspection_component(
    session: Session,
    inspections: Sequence[tuple[Record, Batch]],
    weights: Mapping[str, float],
) -> formula.Component:
    """Only records whose verdict is ``verified`` count: facts the chain vouches for."""
    by_batch: dict[int, list[Record]] = defaultdict(list)
    batches: dict[int, Batch] = {}
    for record, batch in inspections:
        by_batch[batch.id].append(record)
        batches[batch.id] = batch
    results: dict[int, bool] = {}
    for batch_id, records in by_batch.items():
        # One verification per batch: it re-hashes the whole chain, so never per record.
        verdicts = {r.n: r for r in verify_batch(session, batches[batch_id]).records}
        for record in records:
            verdict = verdicts.get(record.n)
            if verdict is None or verdict.verdict != RecordVerdict.verified:
                continue
            if verdict.inspection_result in ("pass", "fail"):
                results[record.id] = verdict.inspection_result == "pass"
    not_counted = len(inspections) - len(results)
    return formula.inspection_pass_rate(results, not_counted=not_counted, weights=weights)


def _answered_by(complaint: Complaint, end: datetime) -> datetime | None:
    # A response after the window is not known "as of" the window's end: ignoring it keeps
    # a past window's score from changing later.
    first = complaint.first_response_at
    return first if first is not None and first < end else None


def _response_hours(complaints: Sequence[Complaint], end: datetime) -> dict[str, float]:
    hours: dict[str, float] = {}
    for complaint in complaints:
        answered = _answered_by(complaint, end)
        if answered is not None:
            hours[complaint.code] = (answered - complaint.created_at).total_seconds() / 3600
    return hours


def _on_time(complaints: Sequence[Complaint], end: datetime) -> dict[str, bool]:
    """Answered complaints, and unanswered ones whose deadline passed before the window end."""
    result: dict[str, bool] = {}
    for complaint in complaints:
        answered = _answered_by(complaint, end)
        if answered is not None:
            result[complaint.code] = answered <= complaint.deadline_at
        elif complaint.deadline_at < end:
            result[complaint.code] = False
    return result
