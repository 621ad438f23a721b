"""The one rule for evidence a record cites: uploaded files, named by their sha256 digest.

A record that cites a file commits to its exact bytes (the digest is hashed into the record,
and so anchored). Every producer checks citations here, with the same rules: a list of
digests in edge form (``0x`` + 64 lowercase hex), each file cited once, each one stored.
Files are content-addressed and readable by anyone who knows the digest, so any stored file
may be cited: uploading the same bytes again gives the same digest.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.errors import InvalidInput
from service.files.repository import EvidenceFileRepository
from service.hashing import digest_from_hex

# Where each kind of record takes its citations from, as the caller's field is named.
EVENT_EVIDENCE = "details.evidence"
EVIDENCE = "evidence"


def checked_evidence(session: Session, cited: object, field: str) -> list[str]:
    """``cited`` as a list of digests, or InvalidInput naming ``field`` (and the entry at
    fault as ``field.<index>``)."""
    if not isinstance(cited, list) or not all(isinstance(d, str) for d in cited):
        raise InvalidInput("a list of file digests (0x + 64 hex)", field=field)
    digests: list[bytes] = []
    for index, text in enumerate(cited):
        try:
            digest = digest_from_hex(text)
        except ValueError as e:
            raise InvalidInput(str(e), field=f"{field}.{index}") from None
        if digest in digests:
            raise InvalidInput("each evidence file may be cited once", field=f"{field}.{index}")
        digests.append(digest)
    known = EvidenceFileRepository(session).list_known_digests(digests) if digests else set()
    for index, digest in enumerate(digests):
        if digest not in known:
            raise InvalidInput(
                f"unknown evidence file 0x{digest.hex()}; upload it to /api/v1/files first",
                field=f"{field}.{index}",
            )
    return list(cited)
