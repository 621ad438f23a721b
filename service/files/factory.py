"""The configured evidence store: a directory by default, an S3-compatible bucket if set."""

from __future__ import annotations

from service.config import Settings
from service.files.storage import DiskFileStore, FileStore


def build_file_store(settings: Settings) -> FileStore:
    if settings.files_s3_bucket is None:
        return DiskFileStore(settings.files_dir)
    # Imported only when configured: boto3 is heavy and a disk store never needs it.
    from service.files.s3 import S3FileStore

    secret = settings.files_s3_secret_key
    return S3FileStore(
        bucket=settings.files_s3_bucket,
        endpoint_url=settings.files_s3_endpoint_url,
        region=settings.files_s3_region,
        access_key=settings.files_s3_access_key,
        secret_key=secret.get_secret_value() if secret is not None else None,
    )
