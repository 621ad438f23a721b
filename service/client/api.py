"""A small typed client for the Lotproof HTTP API, for parties working away from the server.

It speaks only HTTP (no database, no app imports), so a supplier's laptop or an inspector's
tablet needs nothing but a URL and an API key. Every failed call raises ``ClientError``
carrying the server's problem+json ``detail`` and its field errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Self

import httpx

JSON = dict[str, Any]
API = "/api/v1"


@dataclass(frozen=True)
class FieldError:
    """One field the server refused; ``row`` is set for the rows of a bulk request."""

    field: str | None
    message: str
    row: int | None = None


class ClientError(Exception):
    """A call failed: the HTTP status (0 when the server could not be reached) and why."""

    def __init__(self, status: int, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


class Download(StrEnum):
    """Files a batch offers, by the path under ``/api/v1/batches/{id}/``."""

    qr_png = "qr.png"
    qr_svg = "qr.svg"
    labels_pdf = "labels.pdf"
    unit_labels_pdf = "serials/labels.pdf"
    audit_bundle = "audit/bundle"
    audit_report_pdf = "audit/report.pdf"


def _problem(response: httpx.Response) -> ClientError:
    """The server's problem+json as a ClientError; any other body becomes the detail."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip()[:200] or response.reason_phrase
        return ClientError(response.status_code, f"HTTP {response.status_code}: {text}")
    errors = [
        FieldError(field=e.get("field"), message=str(e.get("message", "")), row=e.get("row"))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    detail = str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
    return ClientError(response.status_code, detail, errors)


class LotproofClient:
    """``with LotproofClient(url, api_key) as client: client.get_batch(1)``."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        try:
            response = self._http.request(
                method, API + path, json=body, params=params, headers=headers
            )
        except httpx.TransportError as e:
            # Field connections drop: say where we tried to go, not a stack of httpx frames.
            raise ClientError(0, f"cannot reach {self._http.base_url}: {e}") from e
        if response.is_error:
            raise _problem(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def create_product(self, gtin: str, name: str, description: str | None = None) -> JSON:
        body = {"gtin": gtin, "name": name}
        if description is not None:
            body["description"] = description
        result: JSON = self._json("POST", "/products", body=body)
        return result

    def create_batch(
        self,
        *,
        gtin: str,
        lot: str,
        quantity: float,
        unit: str,
        produced_at: str,
        idempotency_key: str | None = None,
    ) -> JSON:
        body = {
            "gtin": gtin,
            "lot": lot,
            "quantity": quantity,
            "unit": unit,
            "produced_at": produced_at,
        }
        result: JSON = self._json("POST", "/batches", body=body, idempotency_key=idempotency_key)
        return result

    def get_batch(self, batch_id: int) -> JSON:
        result: JSON = self._json("GET", f"/batches/{batch_id}")
        return result

    def record_event(
        self, batch_id: int, event: JSON, *, idempotency_key: str | None = None
    ) -> JSON:
        """POST one event (the body of ``POST /batches/{id}/events``); returns its record."""
        result: JSON = self._json(
            "POST", f"/batches/{batch_id}/events", body=event, idempotency_key=idempotency_key
        )
        return result

    def record_events_bulk(
        self, batch_id: int, events: list[JSON], *, idempotency_key: str | None = None
    ) -> list[JSON]:
        """All the events or none; a refusal lists each bad row in ``ClientError.errors``."""
        result = self._json(
            "POST",
            f"/batches/{batch_id}/events:bulk",
            body={"events": events},
            idempotency_key=idempotency_key,
        )
        records: list[JSON] = result["records"]
        return records

    def commission_serials(self, batch_id: int, count: int) -> list[JSON]:
        units: list[JSON] = self._json(
            "POST", f"/batches/{batch_id}/serials", body={"count": count}
        )
        return units

    def download(
        self, batch_id: int, what: Download, params: dict[str, Any] | None = None
    ) -> bytes:
        return self._send("GET", f"/batches/{batch_id}/{what.value}", params=params).content

    def sampling_plan(
        self, lot_size: int, aql: float, level: str = "II", severity: str = "normal"
    ) -> JSON:
        params = {"lot_size": lot_size, "aql": aql, "level": level, "severity": severity}
        result: JSON = self._json("GET", "/inspections/sampling-plan", params=params)
        return result

    def custody(self, batch_id: int) -> JSON:
        result: JSON = self._json("GET", f"/batches/{batch_id}/custody")
        return result

    def trace(self, batch_id: int, direction: str = "both", depth: int = 5) -> JSON:
        params = {"direction": direction, "depth": depth}
        result: JSON = self._json("GET", f"/batches/{batch_id}/trace", params=params)
        return result

    def audit(self, batch_id: int, *, cursor: int | None = None, limit: int = 100) -> JSON:
        """One page of the audit trail: records after ``cursor`` (an ``n``), oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        result: JSON = self._json("GET", f"/batches/{batch_id}/audit", params=params)
        return result

    def signing_payload(self, record_id: int) -> JSON:
        result: JSON = self._json("GET", f"/records/{record_id}/signing-payload")
        return result

    def address_challenge(self, address: str) -> JSON:
        result: JSON = self._json("POST", "/orgs/me/addresses/challenge", body={"address": address})
        return result

    def register_address(self, address: str, challenge: str, signature: str) -> JSON:
        body = {"address": address, "challenge": challenge, "signature": signature}
        result: JSON = self._json("POST", "/orgs/me/addresses", body=body)
        return result

    def sign_record(self, record_id: int, signature: str) -> JSON:
        body = {"signature": signature}
        result: JSON = self._json("POST", f"/records/{record_id}/signature", body=body)
        return result

    def transform(self, body: JSON) -> JSON:
        """POST /transformations: a new batch made from input batches."""
        result: JSON = self._json("POST", "/transformations", body=body)
        return result
