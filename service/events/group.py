"""Single-event POSTs, written a group at a time (``service.db.groupcommit``).

Each post gets exactly the checks, answer and record it would get alone, in the order the
posts arrived; the group only shares the work around them: one lookup per API key, one
locking read for all the group's batches, one INSERT for all its records, one head update
per batch. A post that fails a check is answered with its error and writes nothing, and
the posts after it are checked against the batch as it stands without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.auth.service import authenticate_writer, note_use_in
from service.db.groupcommit import GroupCommitter
from service.db.models import Batch, Organization
from service.errors import LotproofError, NotFound
from service.events.schemas import EventCreate
from service.events.service import Shipments, apply_event, check_event
from service.idempotency import json_response, remember, replay
from service.records.window import EventTimeWindow
from service.records.writer import NewRecord, append_records, lock_batches
from service.state import Part

Outcome = JSONResponse | Exception


@dataclass(frozen=True)
class EventPost:
    """``POST /api/v1/batches/{batch_id}/events`` as it waits for its group."""

    api_key: str
    batch_id: int
    data: EventCreate
    idempotency_key: str | None = None
    fingerprint: bytes = b""  # ``service.idempotency.request_fingerprint``, with a key


# Single-event POSTs, written a group at a time by one thread (built by the app factory).
EVENT_POSTS: Part[GroupCommitter[EventPost, JSONResponse]] = Part("event posts")


def record_posted_events(
    session: Session, posts: Sequence[EventPost], *, window: EventTimeWindow
) -> list[Outcome]:
    """One outcome per post: its 201 (or replayed) response, or the error it alone failed with.
    Event times outside ``window`` are refused (``EventTimeWindow.check``).

    Raises only for what fails the whole transaction; group commit then writes each post on
    its own. Two posts with one Idempotency-Key in a group are such a case (the unique
    constraint fails at COMMIT), so the second one replays the first's answer.
    """
    outcomes: list[Outcome | None] = [None] * len(posts)
    orgs = _authorize(session, posts, outcomes)
    for i, post in enumerate(posts):
        if outcomes[i] is None and post.idempotency_key is not None:
            outcomes[i] = _replayed(session, orgs[i], post)
    waiting = {post.batch_id for i, post in enumerate(posts) if outcomes[i] is None}
    batches = lock_batches(session, waiting)
    shipments = Shipments(session)
    accepted: list[tuple[int, Batch, NewRecord]] = []
    for i, post in enumerate(posts):
        if outcomes[i] is not None:
            continue
        org, batch = orgs[i], batches.get(post.batch_id)
        try:
            if batch is None:
                raise NotFound(f"no batch {post.batch_id}")
            checked = check_event(session, org, batch, post.data, window, shipments)
        except LotproofError as e:
            outcomes[i] = e
            continue
        apply_event(session, org, batch, checked, shipments)
        new = NewRecord(checked.event, post.data.type, post.data.event_time, org)
        accepted.append((i, batch, new))
    reads = append_records(session, [(batch, new) for _, batch, new in accepted])
    for (i, _, _), read in zip(accepted, reads, strict=True):
        outcomes[i] = _created(session, posts[i], orgs[i], read.model_dump_json())
    answered = [outcome for outcome in outcomes if outcome is not None]
    assert len(answered) == len(posts), "a post was neither refused nor written"
    return answered


def _authorize(
    session: Session, posts: Sequence[EventPost], outcomes: list[Outcome | None]
) -> dict[int, Organization]:
    """Each post's organisation, one lookup per key; an Unauthorized/Forbidden outcome else."""
    by_key: dict[str, Organization | LotproofError] = {}
    orgs: dict[int, Organization] = {}
    for i, post in enumerate(posts):
        if post.api_key not in by_key:
            by_key[post.api_key] = _authorize_key(session, post.api_key)
        found = by_key[post.api_key]
        if isinstance(found, LotproofError):
            outcomes[i] = _copy(found)
        else:
            orgs[i] = found
    return orgs


def _authorize_key(session: Session, key: str) -> Organization | LotproofError:
    try:
        api_key, org = authenticate_writer(session, key)
    except LotproofError as e:
        return e
    note_use_in(session, api_key)
    return org


def _replayed(session: Session, org: Organization, post: EventPost) -> Outcome | None:
    """The stored answer to a retried post, its error if the key was used for another
    request, or None (a new post)."""
    assert post.idempotency_key is not None
    try:
        return replay(session, org, post.idempotency_key, post.fingerprint)
    except LotproofError as e:
        return e


def _created(session: Session, post: EventPost, org: Organization, payload: str) -> JSONResponse:
    if post.idempotency_key is not None:
        remember(session, org, post.idempotency_key, post.fingerprint, 201, payload)
    return json_response(payload, 201)


def _copy(error: LotproofError) -> LotproofError:
    # Each waiting request raises its own instance (a shared one would share a traceback).
    return type(error)(error.detail, field=error.field)
