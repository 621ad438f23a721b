"""Settings: the only place that reads the environment (prefix ``LOTPROOF_``)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import AwareDatetime, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The first account of every Hardhat / Anvil dev chain. Publicly known, so it is only
# acceptable on a development chain.
HARDHAT_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

REPO_ROOT = Path(__file__).resolve().parent.parent
# Debian's fonts-wqy-microhei (installed by .ci/run): TrueType, Chinese and Latin in one face.
DEFAULT_PDF_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class Environment(StrEnum):
    dev = "dev"
    prod = "prod"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOTPROOF_", extra="ignore")

    # dev deploys a contract by itself and accepts the public Hardhat key; prod does neither, and
    # turns /docs, /openapi.json and open /metrics off.
    env: Environment = Environment.dev
    # SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.
    database_url: str = "sqlite:///./var/lotproof.db"
    # JSON-RPC endpoint of the EVM chain anchors go to.
    rpc_url: str = "http://127.0.0.1:8545"
    # When set, checked against the endpoint's chain id at startup.
    chain_id: int | None = None
    # Base of the Digital Link URLs in QR codes and on pages.
    public_url: str = "http://127.0.0.1:8000"
    # Use this deployed TraceAnchor (else dev mode deploys one).
    contract_address: str | None = None
    # Private key of the anchoring account (never logged). Dev mode falls back to the public Hardhat
    # key; prod refuses that key.
    anchor_key: SecretStr | None = None
    # An encrypted keystore file for the anchoring key, instead of LOTPROOF_ANCHOR_KEY.
    anchor_keystore: Path | None = None
    # The keystore's password.
    anchor_keystore_password: SecretStr | None = None
    # Seconds between anchoring rounds.
    anchor_interval: float = Field(default=5.0, ge=0)
    # The most records one anchor (one Merkle root) covers.
    anchor_max_leaves: int = Field(default=1024, ge=1, le=65536)
    # Blocks an anchor needs on top before it is final and its records show verified: on a chain
    # that reorganises, at least the deepest reorg you accept.
    confirmations: int = Field(default=0, ge=0)
    # Seconds a call to the chain may take.
    rpc_timeout: float = Field(default=10.0, gt=0)
    # An anchor transaction still unmined after this many seconds is stuck: the worker sends it
    # again with the same nonce and fees raised by at least `anchor_fee_bump_percent` (nodes
    # refuse a replacement under +10 %; 12.5 % also clears geth's blob-pool rule), never above
    # `anchor_max_fee_gwei`, the most the operator will pay per gas.
    anchor_stuck_after: float = Field(default=60.0, gt=0)
    anchor_fee_bump_percent: float = Field(default=12.5, ge=12.5, le=1000)
    anchor_max_fee_gwei: float = Field(default=500.0, gt=0)
    # A record still pending after this many seconds means anchoring has stalled (chain
    # refusing every send, key out of funds, fee cap too low): /readyz and /metrics say so.
    anchor_stalled_after: float = Field(default=600.0, gt=0)
    # Seconds between handing freed heap memory back to the OS (glibc's malloc_trim; 0 = off):
    # without it the RSS of a long-running server stays at its highest transient peak.
    malloc_trim_every_s: float = Field(default=30.0, ge=0)
    # The most heaps glibc's malloc may keep (0 = its default, 8 per core): each keeps its own
    # free memory. Off by default: a small limit costs the consumer pages much of their
    # throughput (SQLite allocates outside the GIL, so threads queue for the heaps) without
    # lowering a long-running server's memory growth.
    malloc_arenas: int = Field(default=0, ge=0)
    # Allocations of at least this many bytes get a mapping of their own, given back when
    # freed (0 = glibc's default, which rises to the largest block freed so far, after which
    # large response bodies leave their heap resident at its peak).
    malloc_mmap_threshold: int = Field(default=128 * 1024, ge=0, le=32 * 1024 * 1024)
    # Run the anchoring worker inside `lotproof serve`; off when `lotproof worker` runs apart.
    run_worker: bool = True
    # Largest request body; bigger ones get 413 (uploads and bulk imports have their own caps).
    max_body_bytes: int = 64 * 1024
    # Evidence files (lab reports, photos): content-addressed under this directory.
    files_dir: Path = Path("./var/files")
    # Largest evidence file.
    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Set a bucket to keep evidence in an S3-compatible store (AWS, MinIO, R2...) instead.
    files_s3_bucket: str | None = None
    files_s3_endpoint_url: str | None = None
    files_s3_region: str | None = None
    files_s3_access_key: str | None = None
    files_s3_secret_key: SecretStr | None = None
    # Block explorer base for transaction links on the consumer page, e.g. https://etherscan.io
    explorer_url: str | None = None
    # The chain's name as shoppers read it on the consumer page ("Ethereum mainnet", "Polygon").
    chain_display_name: str = "Hardhat local chain"
    # Whether that chain is a test network (a local dev chain, a testnet): the page then says
    # so, and never calls it public, since anchors there prove nothing to outsiders.
    chain_is_test_network: bool = True
    # Key for hashing scan and complaint sources (network prefixes); generated if unset.
    source_hash_key: SecretStr | None = None
    # Deprecated (use trusted_proxies): true means "the direct peer is a proxy", so only
    # the X-Forwarded-For entry that peer appended is believed, never the client's own ones.
    trust_forwarded_for: bool = False
    # A unit scanned from more distinct sources than this within the window is a suspect clone.
    clone_threshold: int = Field(default=5, ge=1)
    clone_window_hours: float = Field(default=24.0, gt=0)
    # Complaints one source (the keyed hash of a /24 or /48 network) may file in an hour;
    # counted under the source's row lock, so concurrent filings cannot exceed it.
    complaints_per_source_per_hour: int = Field(default=5, ge=1)
    # Complaint handling: days to a first response, and the quality-alert thresholds. Both
    # count DISTINCT SOURCES, not complaints: a batch is flagged when, in the window, its
    # complaints come from at least `quality_alert_min_complaints` distinct sources AND from
    # at least `quality_alert_per_1000` distinct sources per 1,000 units of its quantity. A
    # flag holds nothing by itself: an admin (the quality desk) confirms it as a hold or
    # dismisses it (POST /api/v1/complaints/reviews/{batch_id}/confirm or .../dismiss).
    complaint_response_days: int = Field(default=7, ge=1)
    quality_alert_window_days: int = Field(default=30, ge=1)
    quality_alert_min_complaints: int = Field(default=3, ge=1)
    quality_alert_per_1000: float = Field(default=5.0, ge=0)
    # A safety report (category "safety") is urgent: its first response is due within this
    # many hours instead of `complaint_response_days`.
    complaint_safety_response_hours: float = Field(default=24.0, gt=0)
    # Subscribers hear of a certificate this many days before its last valid day (once).
    certificate_expiry_notice_days: int = Field(default=30, ge=1)
    # A consumer page may show a supplier's score computed up to this many seconds ago
    # (a full scorecard re-verifies many records: too slow for every scan).
    scorecard_page_ttl_s: float = Field(default=60.0, ge=0)
    # How long a resolver answer (the JSON or page a scan gets) may be served from the
    # per-process cache. Writes made through this process show at once; this bounds how stale
    # an answer can be after writes by other processes (`lotproof worker`, other instances).
    # 0 turns the cache off.
    consumer_cache_ttl_s: float = Field(default=1.0, ge=0)
    # Past its TTL, an answer is still served while one request builds its replacement, for
    # at most this long; then it is dropped (left to the LRU, every idle lot's last page
    # would stay).
    consumer_cache_grace_s: float = Field(default=10.0, ge=0)
    # Threads per HTTP process for the (synchronous) routes. The work is mostly CPU under the
    # GIL: far more threads than cores only adds switching, fewer starve waits on the database.
    http_threads: int = Field(default=40, ge=1, le=1000)
    # Move what exists after startup (modules, the app, its caches) out of the garbage
    # collector's sight: its full collections then scan only per-request objects, instead of
    # every long-lived one each time (a noticeable share of a bulk import's CPU). Off in tests,
    # which start hundreds of apps in one process.
    gc_freeze: bool = True
    # Rate limits (service/ratelimit.py), in the `limits` notation; "" turns one off.
    rate_limit_per_key: str = "300/second"
    rate_limit_per_source: str = "30/second"
    rate_limit_auth_failures: str = "20/minute"
    # Where the counts live: this process, or Redis shared by instances (redis://host:6379).
    rate_limit_storage: str = "memory://"
    # --- HTTP edge ---
    # Reverse proxies whose X-Forwarded-For is believed, as addresses or CIDRs separated by
    # commas ("127.0.0.1,10.0.0.0/8"). Only when the direct peer is one of them, the client is
    # the rightmost entry that is not (as uvicorn's ProxyHeadersMiddleware walks it).
    # Empty: X-Forwarded-For is ignored and the client is the direct peer.
    trusted_proxies: str = ""
    # Label sheets (GET /api/v1/batches/{id}/labels.pdf) cost CPU: at most this many
    # render at once per process (others wait up to label_render_wait_s, then get 503), and
    # rendered sheets are kept in a cache of at most label_cache_bytes (0 = no cache).
    label_render_concurrency: int = Field(default=2, ge=1)
    label_render_wait_s: float = Field(default=10.0, ge=0)
    label_cache_bytes: int = Field(default=16 * 1024 * 1024, ge=0)
    # The font embedded in the audit report and label sheets, so Chinese and Latin text print on
    # any viewer: a TrueType file (.ttf, or the first face of a .ttc) covering both. Not CFF
    # fonts such as Noto Sans CJK, which reportlab cannot embed. A missing or unusable file
    # makes those PDFs fail with a 500 naming this setting.
    pdf_font: Path = DEFAULT_PDF_FONT
    # /docs and /redoc (the API docs UI) and /openapi.json: unset = on in dev, off in prod.
    docs_enabled: bool | None = None
    # Serve /openapi.json: unset = on in dev, off in prod (the docs UI needs it).
    openapi_enabled: bool | None = None
    # /metrics: with a token, only for `Authorization: Bearer <token>`; without one, open in
    # dev and absent (404) in prod.
    metrics_token: SecretStr | None = None
    # The database figures of /readyz and /metrics are at most this old (one query per
    # period, however many probes and scrapers ask). 0 = queried on every request.
    ops_cache_ttl_s: float = Field(default=2.0, ge=0)
    # --- Webhook deliveries (service/webhooks/) ---
    # Every attempt (resolve, connect, TLS, send, answer) ends after webhook_timeout_s
    # whatever the receiver does, and at most webhook_max_response_bytes of its answer are
    # read. Up to webhook_concurrency sends run at once, at most webhook_per_org of them for
    # one organisation and webhook_per_host for one receiver host:port, so a slow receiver
    # cannot hold up the others. Due deliveries are looked for every webhook_interval_s.
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=300)
    webhook_max_response_bytes: int = Field(default=4096, ge=0, le=1024 * 1024)
    webhook_concurrency: int = Field(default=16, ge=1, le=256)
    webhook_per_org: int = Field(default=2, ge=1, le=256)
    webhook_per_host: int = Field(default=4, ge=1, le=256)
    webhook_interval_s: float = Field(default=1.0, gt=0, le=60)
    # Outside dev mode webhooks go only to public addresses. Internal receivers the operator
    # wants, comma-separated: CIDRs ("10.1.0.0/16", "fd00::/8") or host:port
    # ("hooks.internal:8443", "127.0.0.1:9000", "[::1]:9000"); these may also use http://.
    webhook_allowed_destinations: str = ""

    @field_validator("webhook_allowed_destinations")
    @classmethod
    def _webhook_allow_list_parses(cls, value: str) -> str:
        parse_allow_list(value)  # at startup: ValueError names the entry at fault
        return value

    # --- Accepted input (service/records/window.py, signatures/) ---
    # Event times (single events, bulk imports, transformations) and lots' production times
    # (batches, transformation outputs: no lot is produced in the future) outside a window are
    # refused with a 422: none before `event_time_earliest`, none more than `event_time_max_ahead_s`
    # past the server's clock. 2000-01-01 predates GS1 EPCIS (2007) and Digital Link, so no
    # real traceability event is older; an hour ahead absorbs unsynchronised field clocks and
    # a missed DST change, yet refuses a local time sent as UTC from two or more hours east.
    event_time_earliest: AwareDatetime = datetime(2000, 1, 1, tzinfo=UTC)
    event_time_max_ahead_s: float = Field(default=3600.0, ge=0, le=366 * 86400)
    # No event on a lot (nor a transformation using or making it) may be dated before the lot's
    # `produced_at` by more than this. produced_at comes from an ERP and event times from
    # scanners and phones: an hour absorbs their unsynchronised clocks and a missed DST change,
    # as the hour ahead does, yet refuses an event from the day before the lot existed (a wrong
    # lot scanned, a date typo). A production event stamped at the start of a long run needs
    # produced_at set to that start, or this raised to the run's length.
    event_time_before_production_s: float = Field(default=3600.0, ge=0, le=366 * 86400)
    # Registering a signing address proves the key: the server issues a challenge, bound by
    # HMAC to the organisation and the address, which the key signs within this many seconds.
    # The HMAC key is `signing_challenge_key`, or one made once and kept in the database.
    signing_challenge_ttl_s: float = Field(default=600.0, gt=0, le=86400)
    signing_challenge_key: SecretStr | None = None
    # The compiled TraceAnchor (ABI and bytecode) used to deploy.
    contract_artifact: Path = REPO_ROOT / "contracts" / "build" / "TraceAnchor.json"

    # The field CLI (`lotproof product/batch/event/...`): which server, with which key, and the
    # password of the local keystore `lotproof sign` uses (prompted for when unset).
    url: str = "http://127.0.0.1:8000"
    # The field CLI's API key.
    api_key: SecretStr | None = None
    # Password of the keystore lotproof sign and lotproof register-address use (prompted for when
    # unset).
    keystore_password: SecretStr | None = None

    @field_validator("public_url", "url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("rate_limit_per_key", "rate_limit_per_source", "rate_limit_auth_failures")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        if value.strip():
            parse_many(value)  # at startup, not on the first request: ValueError names it
        return value

    @property
    def rpc_endpoint(self) -> str:
        """The RPC URL without path, query or credentials: hosted RPC URLs embed API keys, and
        this is the form that may appear in logs, /readyz and error messages."""
        parts = urlsplit(self.rpc_url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"

    @property
    def is_dev(self) -> bool:
        return self.env is Environment.dev

    # --- HTTP edge: derived settings and their startup checks ---
    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        proxy_networks(value)  # at startup: ValueError names the entry at fault
        return value

    @model_validator(mode="after")
    def _edge_consistent(self) -> Settings:
        if self.trust_forwarded_for and self.trusted_proxies.strip():
            raise ValueError(
                "trust_forwarded_for is deprecated and conflicts with trusted_proxies: "
                "unset LOTPROOF_TRUST_FORWARDED_FOR and keep LOTPROOF_TRUSTED_PROXIES"
            )
        if self.serves_docs and not self.serves_openapi:
            raise ValueError("docs_enabled needs openapi_enabled: the docs UI reads it")
        return self

    @property
    def serves_docs(self) -> bool:
        return self.is_dev if self.docs_enabled is None else self.docs_enabled

    @property
    def serves_openapi(self) -> bool:
        return self.is_dev if self.openapi_enabled is None else self.openapi_enabled


IPNetwork = IPv4Network | IPv6Network


def proxy_networks(value: str) -> tuple[IPNetwork, ...]:
    """The networks of a ``trusted_proxies`` value; ValueError names a malformed entry."""
    networks = []
    for entry in (e.strip() for e in value.split(",")):
        if entry:
            try:
                networks.append(ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry!r} is no address or CIDR") from None
    return tuple(networks)


def parse_allow_list(text: str) -> tuple[tuple[IPNetwork, ...], frozenset[tuple[str, int]]]:
    """``"10.1.0.0/16, hooks.internal:8443, [fd00::5]:9000"``: networks, and (host, port)s.

    Raises ValueError naming the entry it cannot read (at startup, via Settings).
    """
    networks: list[IPNetwork] = []
    endpoints: set[tuple[str, int]] = set()
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        parts = urlsplit(f"//{entry}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path or parts.username:
            raise ValueError(f"webhook allow-list entry {entry!r} is neither a CIDR nor host:port")
        endpoints.add((parts.hostname.lower().rstrip("."), port))
    return tuple(networks), frozenset(endpoints)
