from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse

from service.anchoring.deployment import CHAIN_HEALTH, ChainHealth
from service.audit import service
from service.audit.redaction import redact_record
from service.audit.schemas import AuditPage, Bundle, OrgAuditPage, RedactionCreate
from service.deps import MAX_ROW_ID, CurrentOrg, CurrentSettings, DbSession, RowId, part
from service.i18n import negotiate_language

router = APIRouter(prefix="/api/v1", tags=["audit"])
Health = Annotated[ChainHealth, Depends(part(CHAIN_HEALTH))]


@router.get("/batches/{batch_id}/audit", response_model=AuditPage)
def get_audit_trail(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    health: Health,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="n of the last record seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    return service.audit_page(session, org, batch_id, health, cursor=cursor, limit=limit)


@router.get("/orgs/{org_id}/audit", response_model=OrgAuditPage)
def get_org_audit_trail(
    org_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    health: Health,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="n of the last record seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OrgAuditPage:
    """An organisation's certificates and suspensions, each record with its verdict."""
    return service.org_audit_page(session, org, org_id, health, cursor=cursor, limit=limit)


@router.get("/batches/{batch_id}/audit/bundle", response_model=Bundle)
def get_proof_bundle(batch_id: RowId, org: CurrentOrg, session: DbSession) -> JSONResponse:
    bundle = service.build_bundle(session, org, batch_id)
    filename = f"lotproof-bundle-{bundle.batch.gtin}-{batch_id}.json"
    return JSONResponse(
        bundle.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/batches/{batch_id}/audit/report.pdf", response_class=Response)
def get_audit_report(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    health: Health,
    settings: CurrentSettings,
    lang: Annotated[str | None, Query(description="zh-CN or en (else Accept-Language)")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The audit report PDF, in the reader's language (``?lang=``, else Accept-Language)."""
    language = negotiate_language(lang, accept_language)
    pdf = service.audit_report_pdf(
        session, org, batch_id, health, language=language, font=settings.pdf_font
    )
    headers = {"Content-Disposition": f'inline; filename="lotproof-audit-{batch_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/records/{record_id}/redact", status_code=200)
def redact(
    record_id: RowId, body: RedactionCreate, org: CurrentOrg, session: DbSession
) -> dict[str, object]:
    record = redact_record(session, org, record_id, body.reason)
    return {"id": record.id, "n": record.n, "redacted": True, "reason": record.redaction_reason}
