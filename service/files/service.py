"""Uploading and reading evidence files (records cite them: ``service.records.evidence``)."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from pathlib import PureWindowsPath

from sqlalchemy.orm import Session

from service.db.models import EvidenceFile, Organization
from service.errors import (
    InvalidInput,
    LotproofError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.files.repository import EvidenceFileRepository
from service.files.storage import CorruptFile, FileStore
from service.hashing import digest_to_hex

# The default of LOTPROOF_MAX_FILE_BYTES; the endpoint passes the configured value.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 255
TEXT_MEDIA_TYPE = "text/plain; charset=utf-8"

# Leading bytes of each binary format we accept. Anything else must be UTF-8 text.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

log = logging.getLogger(__name__)


class StoredFileMissing(LotproofError):
    """An entry exists but the store lost its bytes: an operations problem, not the caller's."""

    status_code = 500
    title = "Stored file is missing"


def sniff_media_type(data: bytes) -> str | None:
    """The media type the bytes themselves show, or None when it is not one we accept.

    The client's Content-Type is ignored: it is whatever the client claims, and we serve
    these bytes back to other people under the type decided here.
    """
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT_MEDIA_TYPE


def clean_filename(raw: str | None) -> str | None:
    """The client's file name without directories or control characters, or None."""
    if not raw:
        return None
    # Some browsers send a full path ("C:\\fakepath\\report.pdf"); keep the last part only.
    name = PureWindowsPath(raw).name
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf"}).strip()
    # "." and ".." name no file; a browser saving under them would misbehave.
    return name[:MAX_FILENAME_CHARS] if name.strip(".") else None


def _check_upload(data: bytes, max_bytes: int) -> str:
    """The sniffed media type of an acceptable upload; raises for empty, too big, unknown."""
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"files are limited to {max_bytes} bytes", field="file")
    media_type = sniff_media_type(data)
    if media_type is None:
        raise UnsupportedMediaType(
            "accepted: PDF, PNG, JPEG, WebP, or UTF-8 text (CSV); the content is none of these",
            field="file",
        )
    return media_type


def store_file(
    session: Session,
    store: FileStore,
    org: Organization,
    *,
    data: bytes,
    filename: str | None,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[EvidenceFile, bool]:
    """The entry for ``data`` and whether it is new; identical bytes map to one entry."""
    media_type = _check_upload(data, max_bytes)
    digest = hashlib.sha256(data).digest()
    repo = EvidenceFileRepository(session)
    existing = repo.get_by_digest(digest)
    if existing is not None:
        _repair_if_damaged(store, digest, data)
        return existing, False
    # Bytes before row: if the transaction later rolls back, an unreferenced file remains
    # (harmless, content-addressed), but a committed row never points at missing bytes.
    store.put(digest, data)
    entry = EvidenceFile(
        digest=digest,
        size=len(data),
        media_type=media_type,
        filename=clean_filename(filename),
        uploaded_by_org_id=org.id,
    )
    repo.add(entry)
    return entry, True


def _repair_if_damaged(store: FileStore, digest: bytes, data: bytes) -> None:
    """Leave good stored bytes alone; a re-upload of the original restores lost or bad ones."""
    try:
        if store.get(digest) is not None:
            return
    except CorruptFile:
        pass
    log.warning("restoring stored bytes of %s from a re-upload", digest_to_hex(digest))
    store.put(digest, data)


def read_file(session: Session, store: FileStore, digest: bytes) -> tuple[EvidenceFile, bytes]:
    """The entry and its verified bytes; corrupt or lost bytes raise instead of being served."""
    entry = EvidenceFileRepository(session).get_by_digest(digest)
    if entry is None:
        raise NotFound(f"no file {digest_to_hex(digest)}")
    try:
        data = store.get(digest)
    except CorruptFile:
        log.error("evidence file %s is corrupt in the store", digest_to_hex(digest))
        raise
    if data is None:
        log.error("evidence file %s is missing from the store", digest_to_hex(digest))
        raise StoredFileMissing(f"the bytes of {digest_to_hex(digest)} are missing")
    return entry, data
