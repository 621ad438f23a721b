"""The settings every test app starts from (the ``settings`` fixture and module-wide apps)."""

from __future__ import annotations

from pathlib import Path

from service.config import Settings


def suite_settings(database_url: str, rpc_url: str, files_dir: Path) -> Settings:
    return Settings(
        env="dev",
        files_dir=files_dir,
        database_url=database_url,
        rpc_url=rpc_url,
        public_url="http://lotproof.test",
        anchor_interval=0.2,
        run_worker=False,
        rpc_timeout=5,
        gc_freeze=False,
        # Off for the suite, which fires hundreds of requests a second from one address and
        # key; tests/api/test_rate_limits.py turns them on.
        rate_limit_per_key="",
        rate_limit_per_source="",
        rate_limit_auth_failures="",
        # Shoppers' complaints come from the test client's one (unknown) network, across the
        # whole session; the per-network limit has its own tests (test_complaints.py,
        # test_complaint_races.py), which set it.
        complaints_per_source_per_hour=1_000_000,
        # Tests change the database and read /readyz and /metrics at once; the TTL of their
        # figures has its own tests (tests/api/test_edge_security.py).
        ops_cache_ttl_s=0,
    )
