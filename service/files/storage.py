"""Where evidence bytes live: a content-addressed store keyed by their SHA-256 digest."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from service.errors import LotproofError
from service.state import Part


class CorruptFile(LotproofError):
    """The stored bytes no longer hash to their name: never serve them."""

    status_code = 500
    title = "Stored file is corrupt"


class FileStore(Protocol):
    def put(self, digest: bytes, data: bytes) -> None:
        """Store ``data`` under ``digest`` (its SHA-256); idempotent."""
        ...

    def get(self, digest: bytes) -> bytes | None:
        """The bytes stored under ``digest``, None if absent; CorruptFile if they don't match."""
        ...

    def exists(self, digest: bytes) -> bool: ...


# Built once per process: an S3 client is costly.
FILE_STORE: Part[FileStore] = Part("file store")


def _hex_name(digest: bytes) -> str:
    if len(digest) != 32:
        raise ValueError("digest must be 32 bytes")
    return digest.hex()


def _fsync_dir(path: Path) -> None:
    # A rename or a new directory entry is only durable once its directory is synced.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DiskFileStore:
    """Files at ``root/ab/cd/<64 hex>``: two fan-out levels keep directories small."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: bytes) -> Path:
        name = _hex_name(digest)
        return self.root / name[:2] / name[2:4] / name

    def put(self, digest: bytes, data: bytes) -> None:
        # A caller bug here would plant a file that every later download reports as corrupt.
        if hashlib.sha256(data).digest() != digest:
            raise ValueError("data does not hash to the given digest")
        path = self.path_for(digest)
        self._make_dirs(path.parent)
        # Write a temp file beside the target and rename it over: a crash leaves at most a
        # stray temp file, never a half-written file under the final (trusted) name.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(path.parent)

    def get(self, digest: bytes) -> bytes | None:
        try:
            data = self.path_for(digest).read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(data).digest() != digest:
            raise CorruptFile(f"stored bytes of 0x{digest.hex()} no longer match their digest")
        return data

    def exists(self, digest: bytes) -> bool:
        return self.path_for(digest).is_file()

    def _make_dirs(self, directory: Path) -> None:
        missing: list[Path] = []
        current = directory
        while not current.exists():
            missing.append(current)
            current = current.parent
        for new_dir in reversed(missing):
            new_dir.mkdir(exist_ok=True)
            _fsync_dir(new_dir.parent)
