from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import EvidenceFile


class EvidenceFileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_digest(self, digest: bytes) -> EvidenceFile | None:
        return self.session.scalars(
            select(EvidenceFile).where(EvidenceFile.digest == digest)
        ).first()

    def list_known_digests(self, digests: Collection[bytes]) -> set[bytes]:
        """Those of ``digests`` that have an entry."""
        rows = self.session.scalars(
            select(EvidenceFile.digest).where(EvidenceFile.digest.in_(digests))
        )
        return set(rows)

    def add(self, entry: EvidenceFile) -> None:
        self.session.add(entry)
        self.session.flush()
