"""`lotproof transform`: make a new lot from lots you hold (milled, blended, repacked)."""

from __future__ import annotations

from typing import Annotated

import typer

from service.client.console import connect, emit


def _inputs(specs: list[str]) -> list[dict[str, object]]:
    inputs: list[dict[str, object]] = []
    for spec in specs:
        batch, _, quantity = spec.partition(":")
        try:
            inputs.append({"batch_id": int(batch), "quantity": float(quantity)})
        except ValueError:
            raise typer.BadParameter(
                f"{spec!r}: expected BATCH_ID:QUANTITY", param_hint="--input"
            ) from None
    return inputs


def transform(
    inputs: Annotated[list[str], typer.Option("--input", help="BATCH_ID:QUANTITY, repeatable.")],
    gtin: Annotated[str, typer.Option(help="The output's GTIN (your product).")],
    lot: Annotated[str, typer.Option(help="The output's lot.")],
    quantity: Annotated[float, typer.Option(help="The output's quantity.")],
    unit: Annotated[str, typer.Option(help="UN/ECE unit code, e.g. KGM.")],
    produced_at: Annotated[str, typer.Option("--produced-at", help="ISO 8601 with offset.")],
    time: Annotated[str, typer.Option("--time", help="When, ISO 8601 with offset.")],
    location: Annotated[str, typer.Option("--location", help="Where, in words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the server's JSON.")] = False,
) -> None:
    """Record a transformation: the inputs' histories and the new lot's both show it."""
    body = {
        "inputs": _inputs(inputs),
        "output": {
            "gtin": gtin,
            "lot": lot,
            "quantity": quantity,
            "unit": unit,
            "produced_at": produced_at,
        },
        "event_time": time,
        "location": location,
    }
    with connect() as api:
        made = api.transform(body)
    output = made["output"]
    emit(as_json, made, f"batch {output['id']} (lot {output['lot']}) made from {len(inputs)} lots")
