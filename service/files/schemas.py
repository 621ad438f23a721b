from __future__ import annotations

from pydantic import BaseModel, Field

from service.db.models import EvidenceFile
from service.hashing import digest_to_hex

FILES_PATH = "/api/v1/files"


class FileRead(BaseModel):
    digest: str = Field(examples=["0x" + "ab" * 32])
    size: int
    media_type: str = Field(examples=["application/pdf"])
    filename: str | None
    url: str = Field(description="Where to download the bytes (public).")

    @classmethod
    def from_entry(cls, entry: EvidenceFile) -> FileRead:
        digest = digest_to_hex(entry.digest)
        return cls(
            digest=digest,
            size=entry.size,
            media_type=entry.media_type,
            filename=entry.filename,
            url=f"{FILES_PATH}/{digest}",
        )
