"""S3FileStore against a real S3 HTTP API: moto's server on a local port, no mocks in-process.

Everything goes over HTTP, so these tests exercise botocore's request signing, error parsing
and connection handling exactly as production would against MinIO or AWS.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("boto3", reason="boto3 is not installed (runtime dependency of S3 storage)")
moto_server = pytest.importorskip("moto.server", reason='moto is not installed: "moto[server]"')

import boto3  # noqa: E402  (only importable once the skip above has passed)

from service.errors import LotproofError  # noqa: E402
from service.files.s3 import FileStoreUnavailable, S3FileStore, _checksum_vouches_for  # noqa: E402
from service.files.storage import CorruptFile, FileStore  # noqa: E402

DATA = b"%PDF-1.7 certificate of analysis, lot L1\n"
DIGEST = hashlib.sha256(DATA).digest()
HEX = DIGEST.hex()
# Moto accepts any credentials; real-looking dummies keep botocore from searching for more.
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "us-east-1"


def _start_server() -> tuple[Any, str]:
    # Port 0: the OS picks a free port, so parallel test runs never collide.
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server, url = _start_server()
    yield url
    server.stop()


@pytest.fixture(scope="module")
def admin(endpoint: str) -> Any:
    """A client of our own, standing for whoever else can reach the bucket (ops, attackers)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(admin: Any) -> str:
    # A fresh bucket per test: the module-wide server keeps state between tests.
    name = f"lotproof-{uuid.uuid4().hex[:12]}"
    admin.create_bucket(Bucket=name)
    return name


def make_store(endpoint: str, bucket: str, **overrides: Any) -> S3FileStore:
    options: dict[str, Any] = {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "region": REGION,
        **CREDENTIALS,
        # Fail fast: a dead endpoint must not stall the suite in retries and backoff.
        "connect_timeout": 1,
        "read_timeout": 5,
        "max_attempts": 1,
    }
    options.update(overrides)
    return S3FileStore(**options)


@pytest.fixture
def store(endpoint: str, bucket: str) -> S3FileStore:
    return make_store(endpoint, bucket)


class Sent:
    """The requests a store's client puts on the wire, recorded via botocore's event hooks."""

    def __init__(self, store: S3FileStore) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        store._client.meta.events.register("before-send.s3", self._record)

    def _record(self, request: Any, event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        headers = {k.lower(): _text(v) for k, v in request.headers.items()}
        self.requests.append((operation, headers))

    def of(self, operation: str) -> list[dict[str, str]]:
        return [headers for op, headers in self.requests if op == operation]


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def keys_in(admin: Any, bucket: str) -> list[str]:
    listing = admin.list_objects_v2(Bucket=bucket)
    return sorted(obj["Key"] for obj in listing.get("Contents", []))


class TestRoundTrip:
    def test_get_returns_what_put_stored(self, store: S3FileStore) -> None:
        store.put(DIGEST, DATA)
        assert store.get(DIGEST) == DATA
        assert store.exists(DIGEST)

    def test_unknown_digest_is_absent(self, store: S3FileStore) -> None:
        assert store.get(DIGEST) is None
        assert not store.exists(DIGEST)

    def test_empty_file_round_trips(self, store: S3FileStore) -> None:
        digest = hashlib.sha256(b"").digest()
        store.put(digest, b"")
        assert store.get(digest) == b""

    def test_satisfies_the_file_store_protocol(self, store: S3FileStore) -> None:
        as_protocol: FileStore = store  # mypy checks the structural match
        assert as_protocol.exists(DIGEST) is False


class TestLayout:
    def test_object_key_fans_out_like_the_disk_store(
        self, store: S3FileStore, admin: Any, bucket: str
    ) -> None:
        store.put(DIGEST, DATA)
        assert keys_in(admin, bucket) == [f"evidence/{HEX[:2]}/{HEX[2:4]}/{HEX}"]

    def test_custom_prefix(self, endpoint: str, admin: Any, bucket: str) -> None:
        store = make_store(endpoint, bucket, prefix="tenant-a/files/")
        store.put(DIGEST, DATA)
        assert keys_in(admin, bucket) == [f"tenant-a/files/{HEX[:2]}/{HEX[2:4]}/{HEX}"]

    def test_digest_of_wrong_length_is_refused(self, store: S3FileStore) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            store.get(b"\x01" * 20)


class TestUpload:
    def test_upload_carries_the_digest_as_sha256_checksum(self, store: S3FileStore) -> None:
        # What AWS S3 (and MinIO, R2) re-hash on arrival, rejecting damaged uploads with
        # BadDigest. Moto 5.x accepts the header without verifying it, so this checks our
        # half of the contract: the header is on the wire with the right value.
        sent = Sent(store)
        store.put(DIGEST, DATA)
        [headers] = sent.of("PutObject")
        assert headers["x-amz-checksum-sha256"] == base64.b64encode(DIGEST).decode()

    def test_second_put_of_same_bytes_does_not_upload_again(
        self, store: S3FileStore, admin: Any, bucket: str
    ) -> None:
        store.put(DIGEST, DATA)
        key = store.key_for(DIGEST)
        first = admin.head_object(Bucket=bucket, Key=key)
        sent = Sent(store)
        store.put(DIGEST, DATA)
        assert sent.of("PutObject") == []
        assert admin.head_object(Bucket=bucket, Key=key)["ETag"] == first["ETag"]

    def test_put_refuses_bytes_that_do_not_hash_to_the_digest(
        self, store: S3FileStore, admin: Any, bucket: str
    ) -> None:
        with pytest.raises(ValueError, match="does not hash"):
            store.put(DIGEST, DATA + b"x")
        assert keys_in(admin, bucket) == []

    def test_put_replaces_a_damaged_object(
        self, store: S3FileStore, admin: Any, bucket: str
    ) -> None:
        # files.service repairs corrupt bytes by calling put() with a re-upload; skipping
        # just because the key exists would keep the damage forever.
        store.put(DIGEST, DATA)
        admin.put_object(Bucket=bucket, Key=store.key_for(DIGEST), Body=b"tampered")
        sent = Sent(store)
        store.put(DIGEST, DATA)
        assert len(sent.of("PutObject")) == 1
        assert store.get(DIGEST) == DATA


class TestIntegrity:
    def test_object_altered_in_the_bucket_is_reported_corrupt(
        self, store: S3FileStore, admin: Any, bucket: str
    ) -> None:
        store.put(DIGEST, DATA)
        admin.put_object(Bucket=bucket, Key=store.key_for(DIGEST), Body=DATA.replace(b"L1", b"L2"))
        with pytest.raises(CorruptFile):
            store.get(DIGEST)
        assert store.exists(DIGEST)  # present, just not trustworthy

    def test_stored_checksum_vouches_only_for_its_own_digest(self) -> None:
        # AWS returns the checksum it verified at upload; moto returns none, hence a unit test.
        other = hashlib.sha256(b"other").digest()
        head: Any = {"ChecksumSHA256": base64.b64encode(DIGEST).decode()}
        assert _checksum_vouches_for(head, DIGEST)
        assert not _checksum_vouches_for(head, other)
        assert not _checksum_vouches_for({"ChecksumSHA256": "abc=-3"}, DIGEST)  # type: ignore[typeddict-item]
        assert not _checksum_vouches_for({}, DIGEST)  # type: ignore[typeddict-item]


def _refused_port() -> int:
    # A port that was free a moment ago: nothing listens, so connects are refused at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class TestUnavailable:
    def test_stopped_server_raises_file_store_unavailable(self) -> None:
        server, url = _start_server()
        setup = boto3.client(
            "s3",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        setup.create_bucket(Bucket="lotproof-stopping")
        store = make_store(url, "lotproof-stopping")
        store.put(DIGEST, DATA)
        server.stop()
        started = time.monotonic()
        for call in (lambda: store.get(DIGEST), lambda: store.exists(DIGEST)):
            with pytest.raises(FileStoreUnavailable) as caught:
                call()
            assert caught.value.__cause__ is not None  # raised `from` the botocore error
        with pytest.raises(FileStoreUnavailable):
            store.put(DIGEST, DATA)
        assert time.monotonic() - started < 10  # no retry storm against a dead endpoint

    def test_detail_names_no_endpoint(self) -> None:
        store = make_store(f"http://127.0.0.1:{_refused_port()}", "lotproof-nowhere")
        with pytest.raises(FileStoreUnavailable) as caught:
            store.get(DIGEST)
        assert "127.0.0.1" not in caught.value.detail
        assert "lotproof-nowhere" not in caught.value.detail

    def test_missing_bucket_is_unavailable_not_a_missing_file(
        self, endpoint: str, admin: Any
    ) -> None:
        # Every file reading as "missing" would hide a misconfigured bucket name.
        store = make_store(endpoint, f"lotproof-absent-{uuid.uuid4().hex[:8]}")
        with pytest.raises(FileStoreUnavailable):
            store.get(DIGEST)

    def test_is_a_503_lotproof_error(self) -> None:
        error = FileStoreUnavailable("down")
        assert isinstance(error, LotproofError)
        assert (error.status_code, error.title) == (503, "File store unavailable")


class TestConfiguration:
    def test_half_a_credential_pair_is_refused(self, endpoint: str) -> None:
        with pytest.raises(ValueError, match="both"):
            S3FileStore(
                bucket="b",
                endpoint_url=endpoint,
                region=REGION,
                access_key="testing",
                secret_key=None,
            )
