"""Upload (authenticated) and download (public) of evidence files."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi import Path as PathParam

from service.db.models import EvidenceFile
from service.deps import CurrentOrg, DbSession, get_settings, part
from service.files import service
from service.files.schemas import FILES_PATH, FileRead
from service.files.storage import FILE_STORE, FileStore
from service.hashing import digest_from_hex, digest_to_hex

router = APIRouter(prefix=FILES_PATH, tags=["files"])

_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    service.TEXT_MEDIA_TYPE: "txt",
}
_PROBLEM: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        401: "No or unknown API key",
        413: "Larger than the upload limit",
        415: "Not PDF, PNG, JPEG, WebP or UTF-8 text",
        422: "Empty file or no `file` field",
    }.items()
}


Store = Annotated[FileStore, Depends(part(FILE_STORE))]
Digest = Annotated[str, PathParam(pattern=r"^0x[0-9a-f]{64}$", examples=["0x" + "ab" * 32])]


@router.post(
    "",
    status_code=201,
    response_model=FileRead,
    responses={200: {"description": "These bytes were already uploaded"}, **_PROBLEM},
)
def upload_file(
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, WebP or UTF-8 text")],
    request: Request,
    response: Response,
    org: CurrentOrg,
    session: DbSession,
    store: Store,
) -> FileRead:
    # One byte over the limit is enough to know it is too big, without reading the rest.
    limit = get_settings(request).max_file_bytes
    data = file.file.read(limit + 1)
    entry, created = service.store_file(
        session, store, org, data=data, filename=file.filename, max_bytes=limit
    )
    if not created:
        response.status_code = 200
    return FileRead.from_entry(entry)


# Public on purpose, like the consumer page: public records cite evidence by digest, and
# anyone holding a record must be able to fetch and re-hash what it cites.
@router.get("/{digest}", response_class=Response, responses={200: {"content": {"*/*": {}}}})
def download_file(digest: Digest, session: DbSession, store: Store) -> Response:
    # Not streamed from disk: the bytes are verified against the digest before the first one
    # is sent, which needs them all (at most MAX_FILE_BYTES) anyway.
    entry, data = service.read_file(session, store, digest_from_hex(digest))
    headers = {
        "Content-Disposition": _content_disposition(entry),
        # The content can never change under this URL.
        "Cache-Control": "public, max-age=31536000, immutable",
        "ETag": f'"{digest}"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=entry.media_type, headers=headers)


def _content_disposition(entry: EvidenceFile) -> str:
    """RFC 6266: an ASCII fallback name plus the UTF-8 name in ``filename*``."""
    extension = _EXTENSIONS.get(entry.media_type, "bin")
    name = entry.filename or f"{digest_to_hex(entry.digest)}.{extension}"
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
