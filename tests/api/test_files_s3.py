"""The API with evidence kept in an S3-compatible bucket (moto's S3 server on a local port)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from tests.builders import auth, make_org

BUCKET = "lotproof-evidence"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def s3_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1", **CREDENTIALS).create_bucket(
        Bucket=BUCKET
    )
    yield url
    server.stop()


class TestFilesInS3:
    def test_upload_lands_in_the_bucket_and_downloads_verified(
        self, settings: Settings, sessions: SessionFactory, s3_url: str
    ) -> None:
        tuned = settings.model_copy(
            update={
                "files_s3_bucket": BUCKET,
                "files_s3_endpoint_url": s3_url,
                "files_s3_region": "us-east-1",
                "files_s3_access_key": "testing",
                "files_s3_secret_key": SecretStr("testing"),
            }
        )
        _, key = make_org(sessions)
        photo = b"\x89PNG\r\n\x1a\n" + b"photo of the seal" * 100
        with TestClient(create_app(tuned)) as client:
            response = client.post(
                "/api/v1/files", files={"file": ("seal.png", photo)}, headers=auth(key)
            )
            assert response.status_code == 201, response.text
            digest = response.json()["digest"]
            assert digest == "0x" + hashlib.sha256(photo).hexdigest()
            assert client.get(response.json()["url"]).content == photo
        s3 = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", **CREDENTIALS)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        hex_digest = digest[2:]
        assert keys == [f"evidence/{hex_digest[:2]}/{hex_digest[2:4]}/{hex_digest}"]
        assert not (tuned.files_dir / hex_digest[:2]).exists()  # nothing went to disk
