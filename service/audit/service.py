"""The inspector's view: full records, proofs and anchors, and the self-contained bundle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.anchoring.deployment import ChainHealth
from service.anchoring.repository import AnchorRepository
from service.audit.report import render_audit_report
from service.audit.schemas import (
    AuditAnchor,
    AuditPage,
    AuditRecord,
    Bundle,
    BundleAnchor,
    BundleBatch,
    BundleRecord,
    ChainCheck,
    OrgAuditPage,
)
from service.batches.service import get_batch
from service.db.base import utcnow
from service.db.models import Anchor, AnchorStatus, Batch, Organization, OrgRole, Record
from service.errors import Forbidden, NotFound
from service.hashing import digest_to_hex
from service.orgs.repository import OrgRepository
from service.products.repository import ProductRepository
from service.records.repository import RecordRepository
from service.verdicts.actors import name_actors
from service.verdicts.schemas import BatchVerification, RecordVerification
from service.verdicts.service import verify_batch, verify_org


def get_auditable_batch(session: Session, org: Organization, batch_id: int) -> Batch:
    """Inspectors and admins read every trail; a supplier reads its own batches' trails."""
    batch = get_batch(session, batch_id)
    if org.role not in (OrgRole.inspector, OrgRole.admin) and batch.owner_org_id != org.id:
        raise Forbidden("the audit trail is for inspectors, admins and the batch's owner")
    return batch


def _content(record: Record) -> dict[str, Any] | None:
    if record.content is None:
        return None
    try:
        parsed: dict[str, Any] = json.loads(record.content)
    except ValueError:
        return None  # unreadable content shows up as a tampered verdict already
    return parsed


class _Trail:
    """A history's records (a batch's or an organisation's), their verification and anchors."""

    def __init__(
        self, session: Session, records: Sequence[Record], verification: BatchVerification
    ) -> None:
        self.records = records
        self.verification = verification
        name_actors(session, verification.records)  # who acted, by name (design §2.9)
        ids = [r.anchor_id for r in self.records if r.anchor_id is not None]
        self.anchors: dict[int, Anchor] = AnchorRepository(session).get_by_ids(ids)

    @classmethod
    def of_batch(cls, session: Session, batch: Batch) -> _Trail:
        records = RecordRepository(session).list_by_batch(batch.id)
        return cls(session, records, verify_batch(session, batch))

    @classmethod
    def of_org(cls, session: Session, org: Organization) -> _Trail:
        records = RecordRepository(session).list_by_org(org.id)
        return cls(session, records, verify_org(session, org))

    def rows(self) -> list[tuple[Record, RecordVerification, Anchor | None]]:
        return [
            (r, v, self.anchors.get(r.anchor_id) if r.anchor_id is not None else None)
            for r, v in zip(self.records, self.verification.records, strict=True)
        ]

    def chain_check(self) -> ChainCheck:
        problems = self.verification.chain_problems
        return ChainCheck(
            continuous=not any("numbering" in p for p in problems),
            links_ok=not any("link" in p for p in problems),
            problems=problems,
        )

    def page(
        self, health: ChainHealth, cursor: int | None, limit: int
    ) -> tuple[list[AuditRecord], int | None]:
        """Records after ``cursor`` (an n), at most ``limit``, and the next cursor."""
        rows = [row for row in self.rows() if cursor is None or row[0].n > cursor]
        page = rows[:limit]
        items = [_audit_record(r, v, a, health) for r, v, a in page]
        return items, page[-1][0].n if len(rows) > limit else None


def audit_page(
    session: Session,
    org: Organization,
    batch_id: int,
    health: ChainHealth,
    *,
    cursor: int | None,
    limit: int,
) -> AuditPage:
    batch = get_auditable_batch(session, org, batch_id)
    trail = _Trail.of_batch(session, batch)
    items, next_cursor = trail.page(health, cursor, limit)
    return AuditPage(
        batch_id=batch.id,
        gtin=batch.gtin,
        lot=batch.lot,
        verdict=trail.verification.verdict,
        chain_check=trail.chain_check(),
        items=items,
        next_cursor=next_cursor,
    )


def org_audit_page(
    session: Session,
    viewer: Organization,
    org_id: int,
    health: ChainHealth,
    *,
    cursor: int | None,
    limit: int,
) -> OrgAuditPage:
    """An organisation's own history (certificates, suspensions) with verdicts."""
    if viewer.role not in (OrgRole.inspector, OrgRole.admin) and viewer.id != org_id:
        raise Forbidden("an organisation's trail is for inspectors, admins and itself")
    org = OrgRepository(session).get_by_id(org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    trail = _Trail.of_org(session, org)
    items, next_cursor = trail.page(health, cursor, limit)
    return OrgAuditPage(
        org_id=org.id,
        slug=org.slug,
        name=org.name,
        verdict=trail.verification.verdict,
        chain_check=trail.chain_check(),
        items=items,
        next_cursor=next_cursor,
    )


def _audit_record(
    record: Record, result: RecordVerification, anchor: Anchor | None, health: ChainHealth
) -> AuditRecord:
    content = _content(record)
    return AuditRecord(
        n=record.n,
        record=content,
        digest=result.digest,
        prev=content.get("prev") if content else None,
        verdict=result.verdict,
        reason=result.reason,
        redacted=record.content is None,
        anchor=_audit_anchor(anchor, health) if anchor and anchor.chain_index is not None else None,
        proof=result.proof,
        signed_by=result.signed_by,
        signature_missing=result.signature_missing,
        declared_erroneous=result.declared_erroneous,
        declares=result.declares,
        corrects=result.corrects,
        actor_kind=result.actor_kind,
        actor_name=result.actor_name,
    )


def _audit_anchor(anchor: Anchor, health: ChainHealth) -> AuditAnchor:
    assert anchor.chain_index is not None
    confirmations = None
    if health.head_block is not None and anchor.block_number is not None:
        confirmations = max(health.head_block - anchor.block_number, 0)
    return AuditAnchor(
        index=anchor.chain_index,
        root=digest_to_hex(anchor.root),
        tx_hash=anchor.tx_hash,
        block_number=anchor.block_number,
        block_time=anchor.block_timestamp,
        confirmations=confirmations,
        final=anchor.status == AnchorStatus.final,
    )


def build_bundle(session: Session, org: Organization, batch_id: int) -> Bundle:
    """The self-contained proof bundle, lotproof-bundle/1 (docs/design.md §9)."""
    batch = get_auditable_batch(session, org, batch_id)
    return _bundle(session, batch, _Trail.of_batch(session, batch))


def _bundle(session: Session, batch: Batch, trail: _Trail) -> Bundle:
    deployment = AnchorRepository(session).get_active_deployment()
    product = ProductRepository(session).get_by_id(batch.product_id)
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    assert product is not None and owner is not None
    records: list[BundleRecord] = []
    anchors: dict[int, BundleAnchor] = {}
    for record, result, anchor in trail.rows():
        # Only anchors of the active deployment are on the chain the bundle names.
        anchored = (
            anchor is not None
            and anchor.chain_index is not None
            and (anchor.status == AnchorStatus.final)
        )
        if anchored and anchor is not None and anchor.chain_index is not None:
            anchors[anchor.chain_index] = BundleAnchor(
                index=anchor.chain_index,
                root=digest_to_hex(anchor.root),
                leaf_count=anchor.leaf_count,
                tx_hash=anchor.tx_hash,
                block_number=anchor.block_number,
            )
        records.append(
            BundleRecord(
                n=record.n,
                record=_content(record),
                redacted=record.content is None,
                # The stored content's digest is what the inspector must be able to recompute;
                # a redacted record can only offer the digest that was anchored.
                digest=digest_to_hex(record.digest) if record.content is None else result.digest,
                anchor_index=anchor.chain_index if anchored and anchor is not None else None,
                proof=list(record.proof or []) if anchored else [],
            )
        )
    return Bundle(
        generated_at=utcnow(),
        chain_id=deployment.chain_id if deployment else None,
        contract=deployment.address if deployment else None,
        batch=BundleBatch(
            gtin=batch.gtin,
            lot=batch.lot,
            product_name=product.name,
            owner=owner.slug,
            record_count=batch.record_count,
        ),
        records=records,
        anchors=sorted(anchors.values(), key=lambda a: a.index),
    )


def audit_report_pdf(
    session: Session,
    org: Organization,
    batch_id: int,
    health: ChainHealth,
    *,
    language: str,
    font: Path,
) -> bytes:
    """The report in ``language``, its text in the TrueType font at ``font`` (embedded)."""
    batch = get_auditable_batch(session, org, batch_id)
    trail = _Trail.of_batch(session, batch)
    items = [_audit_record(r, v, a, health) for r, v, a in trail.rows()]
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    return render_audit_report(
        _bundle(session, batch, trail),
        items,
        trail.verification.verdict.value,
        checks=trail.verification.records,
        language=language,
        owner_name=owner.name if owner is not None else None,
        font=font,
    )
