"""Evidence bytes in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2, ...).

The only module that imports boto3: deployments that keep files on disk never load it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from service.errors import LotproofError
from service.files.storage import CorruptFile, _hex_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

log = logging.getLogger(__name__)

# Error codes S3 uses for "no such object". HEAD responses carry no body, so a missing key
# only shows up as a bare "404". "NoSuchBucket" is deliberately absent: a missing bucket is
# a misconfiguration, and reporting every file as merely "missing" would hide it.
_MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})


class FileStoreUnavailable(LotproofError):
    """The file store could not be asked (endpoint down, access denied, timeout): retry later."""

    status_code = 503
    title = "File store unavailable"


def _sha256_b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _checksum_vouches_for(head: HeadObjectOutputTypeDef, digest: bytes) -> bool:
    """Whether S3's own stored SHA-256 checksum proves the object holds ``digest``'s bytes.

    S3 verified that checksum against the bytes it received, so a match is as good as
    re-hashing a download. Stores that keep no checksum, and multipart objects (whose
    composite checksum ends in "-<parts>"), never match: the caller must check otherwise.
    """
    return head.get("ChecksumSHA256") == _sha256_b64(digest)


class S3FileStore:
    """Objects at ``{prefix}ab/cd/<64 hex>``, the layout DiskFileStore uses on disk.

    Build one per process and share it: the boto3 client is thread-safe, and creating one
    costs tens of milliseconds (it loads the S3 service model).
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str | None,
        access_key: str | None,
        secret_key: str | None,
        prefix: str = "evidence/",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 3,
    ) -> None:
        # boto3 would fail later with a botocore error callers cannot catch without botocore.
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        self.bucket = bucket
        self.prefix = prefix
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            # Self-hosted stores (MinIO, Ceph, Garage) rarely have wildcard DNS for
            # bucket.host names; path-style works on all of them. AWS itself (no
            # endpoint_url) keeps botocore's default virtual-hosted style.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        # A private Session: boto3's module-level default session is not thread-safe to
        # create, and the store may be built while request threads are running.
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            # None for both falls back to boto3's chain (env, instance/pod role).
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )

    def key_for(self, digest: bytes) -> str:
        name = _hex_name(digest)
        return f"{self.prefix}{name[:2]}/{name[2:4]}/{name}"

    def put(self, digest: bytes, data: bytes) -> None:
        # A caller bug here would plant an object that every later download reports as corrupt.
        if hashlib.sha256(data).digest() != digest:
            raise ValueError("data does not hash to the given digest")
        key = self.key_for(digest)
        try:
            if self._holds_intact_copy(key, digest):
                return
            # x-amz-checksum-sha256 makes the store re-hash what it received and reject the
            # upload on mismatch, so bytes damaged in transit never land under a trusted
            # name. It is exactly our digest (no extra hashing), and S3 keeps it, which
            # lets _holds_intact_copy skip later re-uploads with a HEAD alone.
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumSHA256=_sha256_b64(digest),
                ContentType="application/octet-stream",
            )
        except (BotoCoreError, ClientError) as e:
            raise self._unavailable("write", key, e) from e

    def get(self, digest: bytes) -> bytes | None:
        key = self.key_for(digest)
        try:
            data = self._download(key)
        except (BotoCoreError, ClientError) as e:
            raise self._unavailable("read", key, e) from e
        if data is None:
            return None
        if hashlib.sha256(data).digest() != digest:
            raise CorruptFile(f"stored bytes of 0x{digest.hex()} no longer match their digest")
        return data

    def exists(self, digest: bytes) -> bool:
        key = self.key_for(digest)
        try:
            return self._head(key) is not None
        except (BotoCoreError, ClientError) as e:
            raise self._unavailable("check", key, e) from e

    def _holds_intact_copy(self, key: str, digest: bytes) -> bool:
        """Whether ``key`` already holds the right bytes, so uploading again would be waste.

        Existence alone is not enough: the repair path (files.service) calls put() after a
        get() found the object corrupt, and a put() that skipped every existing object would
        leave the damage in place for good.
        """
        head = self._head(key)
        if head is None:
            return False
        if _checksum_vouches_for(head, digest):
            return True
        # No usable stored checksum (object written by another tool, a store that keeps
        # none, moto): download and re-hash. Puts of already-stored bytes are rare (orphans
        # of rolled-back uploads, repairs), so the extra read is cheap overall.
        data = self._download(key)
        return data is not None and hashlib.sha256(data).digest() == digest

    def _head(self, key: str) -> HeadObjectOutputTypeDef | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as e:
            if _is_missing(e):
                return None
            raise

    def _download(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as e:
            if _is_missing(e):
                return None
            raise
        # Reading the body can fail too (connection reset mid-stream); botocore raises those
        # as BotoCoreError subclasses, which the callers translate.
        return response["Body"].read()

    def _unavailable(self, action: str, key: str, e: Exception) -> FileStoreUnavailable:
        # The detail reaches API clients in problem+json, so it names no endpoint, bucket or
        # key; operators get those from this log line and from the chained exception.
        log.warning("S3 %s of s3://%s/%s failed: %s", action, self.bucket, key, e)
        return FileStoreUnavailable(f"could not {action} the evidence file; retry later")


def _is_missing(e: ClientError) -> bool:
    return e.response.get("Error", {}).get("Code") in _MISSING_CODES
