"""Group commit (``service.db.groupcommit``) and single-event posts written in groups
(``service.events.group``), against the real database."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db.engine import SessionFactory
from service.db.groupcommit import GroupCommitter
from service.db.models import OrgRole
from service.errors import Conflict, Forbidden, NotFound, Unauthorized
from service.events.group import EventPost, record_posted_events
from service.events.schemas import EventCreate
from service.records.window import EventTimeWindow
from tests.builders import (
    auth,
    chain_of,
    event_body,
    failing_sampling,
    make_batch,
    make_org,
)

PROBE = "group_commit_probe"


@pytest.fixture
def probe(sessions: SessionFactory) -> str:
    """A scratch table with one unique column; the name of this test's rows' prefix."""
    with sessions.write() as session, session.begin():
        session.execute(text(f"CREATE TABLE IF NOT EXISTS {PROBE} (job VARCHAR(64) UNIQUE)"))
    return secrets.token_hex(4)


class Recorder:
    """A ``write_group`` that inserts each job and notes the groups it was given."""

    def __init__(self, *, first_pause_s: float = 0.0, refuse: str | None = None) -> None:
        self.groups: list[list[str]] = []
        self.first_pause_s = first_pause_s
        self.refuse = refuse

    def __call__(self, session: Session, jobs: Sequence[str]) -> list[str | Exception]:
        if not self.groups and self.first_pause_s:
            time.sleep(self.first_pause_s)  # later callers queue up meanwhile
        self.groups.append(list(jobs))
        outcomes: list[str | Exception] = []
        for job in jobs:
            if job == self.refuse:
                outcomes.append(ValueError(f"refused {job}"))
                continue
            session.execute(text(f"INSERT INTO {PROBE} (job) VALUES (:job)"), {"job": job})
            outcomes.append(f"wrote {job}")
        return outcomes


def committed(sessions: SessionFactory, prefix: str) -> set[str]:
    with sessions.read() as session:
        query = text(f"SELECT job FROM {PROBE} WHERE job LIKE :p")
        return set(session.scalars(query, {"p": f"{prefix}%"}))


def submit_all(committer: GroupCommitter[str, str], jobs: list[str]) -> list[object]:
    async def run() -> list[object]:
        return await asyncio.gather(*(committer.submit(j) for j in jobs), return_exceptions=True)

    return asyncio.run(run())


class TestGroupCommitter:
    def test_concurrent_jobs_share_a_transaction_and_are_answered_after_commit(
        self, sessions: SessionFactory, probe: str
    ) -> None:
        recorder = Recorder(first_pause_s=0.2)
        committer = GroupCommitter(sessions, recorder)
        seen_at_answer: list[bool] = []

        async def submit(job: str) -> None:
            await committer.submit(job)
            seen_at_answer.append(job in committed(sessions, probe))

        async def run() -> None:
            await asyncio.gather(*(submit(f"{probe}-{i}") for i in range(20)))

        try:
            asyncio.run(run())
        finally:
            committer.close()
        assert seen_at_answer == [True] * 20  # every answer came after its COMMIT
        assert max(len(group) for group in recorder.groups) > 1
        assert sum(len(group) for group in recorder.groups) == 20

    def test_a_job_that_fails_fails_alone(self, sessions: SessionFactory, probe: str) -> None:
        committer = GroupCommitter(sessions, Recorder(refuse=f"{probe}-bad"))
        try:
            results = submit_all(committer, [f"{probe}-a", f"{probe}-bad", f"{probe}-b"])
        finally:
            committer.close()
        assert results[0] == f"wrote {probe}-a" and results[2] == f"wrote {probe}-b"
        assert isinstance(results[1], ValueError)
        assert committed(sessions, probe) == {f"{probe}-a", f"{probe}-b"}

    def test_a_failed_transaction_is_written_again_job_by_job(
        self, sessions: SessionFactory, probe: str
    ) -> None:
        # Two jobs inserting the same unique value fail their group's COMMIT; written one
        # by one, the first succeeds and only the second fails.
        recorder = Recorder(first_pause_s=0.2)
        committer = GroupCommitter(sessions, recorder)
        jobs = [f"{probe}-first", f"{probe}-x", f"{probe}-y", f"{probe}-x"]
        try:
            results = submit_all(committer, jobs)
        finally:
            committer.close()
        sizes = [len(group) for group in recorder.groups]
        failed = next(i for i, size in enumerate(sizes) if size > 1)
        assert sizes[failed + 1 :] == [1] * sizes[failed]  # that group again, one by one
        assert results[:3] == [f"wrote {probe}-first", f"wrote {probe}-x", f"wrote {probe}-y"]
        assert isinstance(results[3], IntegrityError)
        assert committed(sessions, probe) == {f"{probe}-first", f"{probe}-x", f"{probe}-y"}

    def test_close_writes_what_is_queued(self, sessions: SessionFactory, probe: str) -> None:
        committer = GroupCommitter(sessions, Recorder(first_pause_s=0.2))
        loop = asyncio.new_event_loop()
        futures = [loop.create_task(committer.submit(f"{probe}-{i}")) for i in range(5)]
        loop.run_until_complete(asyncio.sleep(0.05))  # the tasks have queued their jobs
        threading.Thread(target=committer.close).start()
        loop.run_until_complete(asyncio.gather(*futures))
        loop.close()
        assert committed(sessions, probe) == {f"{probe}-{i}" for i in range(5)}


# The settings' default window: nothing before 2000, nothing more than an hour ahead.
WINDOW = EventTimeWindow(datetime(2000, 1, 1, tzinfo=UTC), timedelta(hours=1))


def post(key: str, batch_id: int, body: dict[str, Any], idem: str | None = None) -> EventPost:
    fingerprint = secrets.token_bytes(32) if idem else b""
    return EventPost(key, batch_id, EventCreate.model_validate(body), idem, fingerprint)


class TestEventPostsInOneGroup:
    def test_each_post_is_checked_and_answered_as_if_alone(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, stranger = make_org(sessions)
        first, second = make_batch(client, owner), make_batch(client, owner)
        posts = [
            post(owner, first["id"], event_body("production")),
            post(stranger, first["id"], event_body("production")),  # not its batch
            post(owner, second["id"], event_body("packing")),
            post(owner, 2_000_000_000, event_body("packing")),  # no such batch
            post("lp_" + "0" * 90, first["id"], event_body("packing")),  # no such key
            post(owner, first["id"], event_body("packing", hours=1)),
        ]
        with sessions.write() as session:
            outcomes = record_posted_events(session, posts, window=WINDOW)
            session.commit()
        kinds = [type(o) if isinstance(o, Exception) else o.status_code for o in outcomes]
        assert kinds == [201, Forbidden, 201, NotFound, Unauthorized, 201]
        numbers = [json.loads(bytes(o.body))["n"] for o in outcomes if not isinstance(o, Exception)]
        assert numbers == [0, 0, 1]  # per batch, in the order posted
        assert chain_of(sessions, first["id"]) == [0, 1]
        assert chain_of(sessions, second["id"]) == [0]

    def test_a_hold_from_an_earlier_post_applies_to_later_ones(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        carrier, _ = make_org(sessions, OrgRole.logistics)
        batch = make_batch(client, owner)
        failing = event_body("inspection") | {"sampling": failing_sampling()}
        shipment = event_body("shipping", hours=1) | {"receiver": carrier}
        with sessions.write() as session:
            outcomes = record_posted_events(
                session,
                [post(owner, batch["id"], failing), post(owner, batch["id"], shipment)],
                window=WINDOW,
            )
            session.commit()
        assert not isinstance(outcomes[0], Exception)
        assert isinstance(outcomes[1], Conflict)  # the inspection put it on hold
        assert chain_of(sessions, batch["id"]) == [0]

    def test_one_idempotency_key_twice_in_a_group_fails_its_transaction(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        batch = make_batch(client, owner)
        same = post(owner, batch["id"], event_body("storage"), idem="retry-1")
        with sessions.write() as session, pytest.raises(IntegrityError):
            record_posted_events(session, [same, same], window=WINDOW)
            session.commit()
        # Written one by one (as group commit then does), the second replays the first.
        answers = []
        for _ in range(2):
            with sessions.write() as session:
                [answer] = record_posted_events(session, [same], window=WINDOW)
                session.commit()
            assert not isinstance(answer, Exception)
            answers.append(answer)
        assert answers[0].body == answers[1].body
        assert answers[1].headers.get("Idempotent-Replayed") == "true"
        assert chain_of(sessions, batch["id"]) == [0]


class TestEventPostsOverHttp:
    def test_parallel_posts_to_several_batches_by_several_orgs(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        owners = [make_org(sessions)[1] for _ in range(2)]
        batches = [(key, make_batch(client, key)) for key in owners for _ in range(3)]

        def send(i: int) -> int:
            key, batch = batches[i % len(batches)]
            body = event_body("packing", hours=i)
            response = client.post(
                f"/api/v1/batches/{batch['id']}/events", json=body, headers=auth(key)
            )
            status: int = response.status_code
            return status

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(send, range(60)))
        assert statuses == [201] * 60
        for _, batch in batches:
            assert chain_of(sessions, batch["id"]) == list(range(10))

    def test_an_unknown_key_is_401_before_the_body_is_judged(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        batch = make_batch(client, owner)
        url = f"/api/v1/batches/{batch['id']}/events"
        forged = "lp_" + "0" * 90
        response = client.post(url, json={"type": "nonsense"}, headers=auth(forged))
        assert response.status_code == 401, response.text
        response = client.post(url, json={"type": "nonsense"}, headers=auth(owner))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "type"
