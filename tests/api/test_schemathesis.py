"""The service against its own OpenAPI document, by Schemathesis (property-based).

Every operation gets generated requests, valid and invalid, with a supplier's key; the answers
are checked for server errors, undocumented statuses and content types, schema violations,
invalid input accepted, missing authentication ignored, and 405s without the right ``Allow``.

One check is left out: ``positive_data_acceptance`` expects every schema-valid request to
succeed, but some rules are about the data, not its shape (the GTIN must be registered first,
the category must exist, the AQL must be one of the standard's values, a signature must recover
to an address). Those answer 422 naming the field, which is what a client needs.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from tests.builders import auth, make_batch, make_org


@pytest.fixture
def supplier_key(client: TestClient, sessions: SessionFactory, worker: AnchoringWorker) -> str:
    """A supplier with a product and a batch, so that generated ids sometimes exist, and the
    contract deployed, so that /readyz answers 200 rather than its (documented) 503."""
    _, key = make_org(sessions)
    make_batch(client, key)
    worker.tick()
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    return key


def test_the_api_keeps_its_own_contract(client: TestClient, supplier_key: str) -> None:
    # Operation by operation (Schemathesis's pytest loader does not take this suite's
    # parametrised fixtures), every failure collected, so that one does not hide the others.
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60, "the whole API is under test"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(
                headers=auth(supplier_key), excluded_checks=[positive_data_acceptance]
            )

        try:
            check()
        except Exception as failure:
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
