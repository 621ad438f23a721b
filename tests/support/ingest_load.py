"""Suppliers' traffic for the fault tests: events posted while the chain or a process fails.

`start_load` is several clients posting single and bulk events to two ``lotproof serve``
instances at once (single posts carry an ``Idempotency-Key``; some are retried on the other
instance). `SteadyWriter` is one thread posting one event at a time to its own batch. Both
keep the body of every 201, for tests/support/exactly_once.py.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.builders import auth, event_body, make_batch, random_gtin, random_lot
from tests.support.processes import ServeProcess

CLIENTS = 6
LOTS = 8
BULK_EVERY = 4  # every 4th request of a client is a bulk import of BULK_ROWS events
BULK_ROWS = 10
RETRY_EVERY = 5  # every 5th single post is retried, same key, on the other instance
EVENT_EPOCH = datetime(2026, 11, 2, 8, tzinfo=UTC)


def event_at_second(i: int) -> dict[str, Any]:
    """An event body ``i`` seconds after EVENT_EPOCH."""
    # Seconds apart, so that thousands of events stay in the past.
    moment = EVENT_EPOCH + timedelta(seconds=i)
    return {"type": "packing", "event_time": moment.isoformat(), "location": "Line 3"}


@dataclass
class Load:
    """What the clients sent and what they were told."""

    lots: list[dict[str, Any]]
    acked: list[dict[str, Any]] = field(default_factory=list)  # every record a 201 returned
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    retry_mismatches: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)  # no answer, or not the one expected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, response: httpx.Response, records: list[dict[str, Any]]) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            self.acked.extend(records)


def make_lots(servers: list[ServeProcess], key: str) -> list[dict[str, Any]]:
    """LOTS batches, made alternately through each instance."""
    lots = []
    for i in range(LOTS):
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=servers[i % 2].base_url, headers=headers) as client:
            gtin = random_gtin()
            client.post("/api/v1/products", json={"gtin": gtin, "name": "Tea"}).raise_for_status()
            batch = {"gtin": gtin, "lot": random_lot(), "quantity": 100, "unit": "KGM"}
            batch["produced_at"] = "2026-11-02T08:00:00+08:00"
            response = client.post("/api/v1/batches", json=batch)
            response.raise_for_status()
            lots.append(response.json())
    return lots


def _post(n: int, i: int, clients: list[httpx.Client], load: Load) -> None:
    """Client ``n``'s ``i``-th request: to one instance, a retry (if any) to the other."""
    here, there = clients[(n + i) % 2], clients[(n + i + 1) % 2]
    url = f"/api/v1/batches/{load.lots[(n + i) % len(load.lots)]['id']}/events"
    if i % BULK_EVERY == 0:
        rows = [event_body("packing", hours=i, client=n, row=j) for j in range(BULK_ROWS)]
        response = here.post(f"{url}:bulk", json={"events": rows})
        load.answered(response, response.json()["records"] if response.status_code == 201 else [])
        return
    body, key = event_body("packing", hours=i, client=n), f"c{n}-{i}"
    response = here.post(url, json=body, headers={"Idempotency-Key": key})
    load.answered(response, [response.json()] if response.status_code == 201 else [])
    if response.status_code == 201 and i % RETRY_EVERY == 1:
        again = there.post(url, json=body, headers={"Idempotency-Key": key})
        with load.lock:
            load.retries += 1
            if again.status_code != 201 or again.json() != response.json():
                load.retry_mismatches.append(f"{again.status_code} {again.text[:300]}")


def start_load(
    servers: list[ServeProcess], key: str, lots: list[dict[str, Any]]
) -> tuple[Load, Callable[[], None]]:
    """CLIENTS threads posting to both instances until the returned function is called."""
    load, stop = Load(lots), threading.Event()
    headers = {"Authorization": f"Bearer {key}"}

    def client(n: int) -> None:
        clients = [httpx.Client(base_url=s.base_url, headers=headers, timeout=30) for s in servers]
        i = 0
        try:
            while not stop.is_set():
                i += 1
                try:
                    _post(n, i, clients, load)
                except Exception as e:  # reported by the test, not lost with its thread
                    with load.lock:
                        load.client_errors.append(f"{type(e).__name__}: {e}")
        finally:
            for each in clients:
                each.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()

    def stop_load() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    return load, stop_load


class SteadyWriter(threading.Thread):
    """Posts events to its own batch, one every ``pause`` seconds, until ``until``."""

    def __init__(self, client: TestClient, key: str, until: float, pause: float = 0.02) -> None:
        super().__init__(name="writer", daemon=True)
        self.client, self.key, self.until, self.pause = client, key, until, pause
        self.batch = make_batch(client, key)
        self.acks: list[tuple[float, dict[str, Any]]] = []  # (when, body of the 201)
        self.refusals: list[str] = []

    def run(self) -> None:
        url = f"/api/v1/batches/{self.batch['id']}/events"
        while time.monotonic() < self.until:
            try:
                body = event_at_second(len(self.acks))
                response = self.client.post(url, json=body, headers=auth(self.key))
            except Exception as e:  # a dead writer thread would be silent
                self.refusals.append(repr(e))
                return
            if response.status_code == 201:
                self.acks.append((time.monotonic(), response.json()))
            else:
                self.refusals.append(f"{response.status_code} {response.text[:200]}")
            time.sleep(self.pause)
