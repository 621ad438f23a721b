"""``lotproof`` commands for the field: every party runs a lot's life against a remote server.

The server and the key come from ``LOTPROOF_URL`` and ``LOTPROOF_API_KEY``. Each command
prints one short line (``--json``: the server's JSON) and exits 1 with the server's reason
when the call fails.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from service.client.api import JSON, Download
from service.client.console import connect, emit, save
from service.client.importer import ImportRejected, read_plan, run_plan, steps
from service.client.signing import register_address, sign
from service.client.transform import transform

client_app = typer.Typer(no_args_is_help=True)
product_app = typer.Typer(help="Products (GTINs) you own.", no_args_is_help=True)
batch_app = typer.Typer(help="Batches (lots): create, show, custody, trace.", no_args_is_help=True)
event_app = typer.Typer(help="Events on a batch.", no_args_is_help=True)
serials_app = typer.Typer(help="Serialized units of a batch.", no_args_is_help=True)
inspect_app = typer.Typer(help="ISO 2859-1 sampling inspections.", no_args_is_help=True)
client_app.add_typer(product_app, name="product")
client_app.add_typer(batch_app, name="batch")
client_app.add_typer(event_app, name="event")
client_app.add_typer(serials_app, name="serials")
client_app.add_typer(inspect_app, name="inspect")
client_app.command("sign")(sign)
client_app.command("register-address")(register_address)
client_app.command("transform")(transform)

AsJson = Annotated[bool, typer.Option("--json", help="Print the server's JSON.")]
BatchId = Annotated[int, typer.Argument(help="The batch's id.", min=1)]
Out = Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)]
Time = Annotated[str, typer.Option("--time", help="When, ISO 8601 with offset.")]
Location = Annotated[str, typer.Option("--location", help="Where, in words.")]


# --- products and batches --------------------------------------------------------------


@product_app.command("create")
def product_create(
    gtin: Annotated[str, typer.Option(help="GTIN-8/12/13/14 (check digit enforced).")],
    name: Annotated[str, typer.Option(help="Product name.")],
    description: Annotated[str | None, typer.Option(help="Longer description.")] = None,
    as_json: AsJson = False,
) -> None:
    """Register a product (GTIN) that your organisation owns."""
    with connect() as client:
        made = client.create_product(gtin, name, description)
    emit(as_json, made, f"product {made['gtin']} created: {made['name']}")


@batch_app.command("create")
def batch_create(
    gtin: Annotated[str, typer.Option(help="The product's GTIN.")],
    lot: Annotated[str, typer.Option(help="Lot / batch number (GS1 AI 10).")],
    quantity: Annotated[float, typer.Option(help="How much was produced.")],
    unit: Annotated[str, typer.Option(help="UN/ECE Rec 20 unit code: KGM, LTR, H87...")],
    produced_at: Annotated[str, typer.Option(help="ISO 8601 with offset.")],
    as_json: AsJson = False,
) -> None:
    """Create a batch of one of your products."""
    with connect() as client:
        made = client.create_batch(
            gtin=gtin, lot=lot, quantity=quantity, unit=unit, produced_at=produced_at
        )
    emit(as_json, made, f"batch {made['id']} created: {made['lot']}; QR {made['qr_url']}")


@batch_app.command("show")
def batch_show(batch_id: BatchId, as_json: AsJson = False) -> None:
    """A batch's product, quantity, owner and record count."""
    with connect() as client:
        b = client.get_batch(batch_id)
    human = (
        f"batch {b['id']}: {b['product_name']} ({b['gtin']}) lot {b['lot']}, "
        f"{b['quantity']:g} {b['unit']}, owner {b['owner']}, {b['record_count']} records"
    )
    emit(as_json, b, human)


def _custody_lines(chain: JSON) -> list[str]:
    lines = [
        f"{p['custodian']['slug']} ({p['custodian']['name']}) since {p['since']}"
        + (f" until {p['until']}" if p["until"] else "")
        + (f" at {p['location']}" if p["location"] else "")
        for p in chain["periods"]
    ]
    if chain["in_transit_to"]:
        receiver = chain["in_transit_to"]
        lines.append(f"in transit to {receiver['slug']} ({receiver['name']})")
    return lines


@batch_app.command("custody")
def batch_custody(batch_id: BatchId, as_json: AsJson = False) -> None:
    """Who held the batch, when and where (one line per custodian)."""
    with connect() as client:
        chain = client.custody(batch_id)
    emit(as_json, chain, "\n".join(_custody_lines(chain)))


@batch_app.command("trace")
def batch_trace(
    batch_id: BatchId,
    direction: Annotated[str, typer.Option(help="upstream, downstream or both.")] = "both",
    depth: Annotated[int, typer.Option(help="Hops to follow (1-10).", min=1, max=10)] = 5,
    as_json: AsJson = False,
) -> None:
    """What went into the batch and what it went into."""
    with connect() as client:
        graph = client.trace(batch_id, direction, depth)
    lines = [
        f"{n['level']:+d} batch {n['id']}: {n['product_name']} lot {n['lot']} ({n['owner']})"
        for n in sorted(graph["nodes"], key=lambda n: (n["level"], n["id"]))
    ]
    lines += [f"{e['from']} -> {e['to']}: {e['quantity']:g} {e['unit']}" for e in graph["edges"]]
    emit(as_json, graph, "\n".join(lines))


# --- events ---------------------------------------------------------------------------

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def parse_value(text: str) -> Any:
    """``key=value`` values: JSON integers, finite numbers and true/false; anything else is
    a string, so codes such as ``007`` or ``1_000`` keep their exact spelling."""
    if _INT.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def _details(pairs: list[str]) -> JSON:
    details: JSON = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not key=value", param_hint="--detail")
        details[key.strip()] = parse_value(value)
    return details


def _record_line(record: JSON) -> str:
    return f"record n={record['n']} ({record['type']}) {record['digest']} {record['status']}"


@event_app.command("add")
def event_add(
    batch_id: BatchId,
    event_type: Annotated[str, typer.Option("--type", help="production, packing, shipping, ...")],
    time: Time,
    location: Location,
    detail: Annotated[list[str] | None, typer.Option(help="key=value (repeatable).")] = None,
    receiver: Annotated[str | None, typer.Option(help="Shipping: the receiver's slug.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Temperature: degrees C.")] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(help="0x digest of an uploaded file (repeatable).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Record one event on a batch."""
    body: JSON = {"type": event_type, "event_time": time, "location": location}
    body["details"] = _details(detail or [])
    if evidence:
        body["details"]["evidence"] = evidence
    if receiver is not None:
        body["receiver"] = receiver
    if temperature is not None:
        body["temperature_c"] = temperature
    with connect() as client:
        record = client.record_event(batch_id, body)
    emit(as_json, record, _record_line(record))


@serials_app.command("commission")
def serials_commission(
    batch_id: BatchId,
    count: Annotated[int, typer.Option(help="How many serials.", min=1, max=10_000)],
    as_json: AsJson = False,
) -> None:
    """Give units of the batch their own random serials and Digital Links."""
    with connect() as client:
        units = client.commission_serials(batch_id, count)
    emit(as_json, units, f"{len(units)} serials commissioned for batch {batch_id}")


@client_app.command("qr")
def qr(
    batch_id: BatchId,
    out: Out,
    image_format: Annotated[str, typer.Option("--format", help="png or svg.")] = "png",
    as_json: AsJson = False,
) -> None:
    """Save the batch's QR code (its GS1 Digital Link)."""
    formats = {"png": Download.qr_png, "svg": Download.qr_svg}
    if image_format not in formats:
        raise typer.BadParameter("png or svg", param_hint="--format")
    with connect() as client:
        content = client.download(batch_id, formats[image_format])
    save(out, content, "QR code", as_json)


@client_app.command("labels")
def labels(
    batch_id: BatchId,
    out: Out,
    units: Annotated[bool, typer.Option(help="One label per serialized unit.")] = False,
    copies: Annotated[int, typer.Option(help="Batch labels on the sheet.", min=1)] = 24,
    as_json: AsJson = False,
) -> None:
    """Save a printable A4 PDF of labels: the batch's, or (--units) one per serial."""
    with connect() as client:
        if units:
            content = client.download(batch_id, Download.unit_labels_pdf)
        else:
            content = client.download(batch_id, Download.labels_pdf, {"copies": copies})
    save(out, content, "labels", as_json)


@client_app.command("bundle")
def bundle(
    batch_id: BatchId,
    out: Out,
    report: Annotated[bool, typer.Option(help="The PDF audit report instead.")] = False,
    as_json: AsJson = False,
) -> None:
    """Save the batch's proof bundle (check it with: lotproof verify-bundle FILE --rpc URL)."""
    what = Download.audit_report_pdf if report else Download.audit_bundle
    with connect() as client:
        content = client.download(batch_id, what)
    save(out, content, "audit report" if report else "proof bundle", as_json)


# --- inspections ----------------------------------------------------------------------

Level = Annotated[str, typer.Option(help="Inspection level: I, II, III, S-1..S-4.")]
Severity = Annotated[str, typer.Option(help="normal, tightened or reduced.")]


@inspect_app.command("plan")
def inspect_plan(
    lot_size: Annotated[int, typer.Option(help="Items in the lot.", min=1)],
    aql: Annotated[float, typer.Option(help="Acceptance quality limit, e.g. 1.0.")],
    level: Level = "II",
    severity: Severity = "normal",
    as_json: AsJson = False,
) -> None:
    """How many items to sample, and how many defects accept or reject the lot."""
    with connect() as client:
        p = client.sampling_plan(lot_size, aql, level, severity)
    human = (
        f"inspect {p['sample_size']} of {p['lot_size']} (code {p['code_letter']}): "
        f"accept with at most {p['acceptance_number']} defects, "
        f"reject with {p['rejection_number']} or more"
    )
    emit(as_json, p, human)


def _classes(specs: list[str]) -> JSON:
    classes: JSON = {}
    for spec in specs:
        try:
            name, aql, defects = spec.split(":")
            classes[name] = {"aql": float(aql), "defects": int(defects)}
        except ValueError:
            raise typer.BadParameter(
                f"{spec!r} is not NAME:AQL:DEFECTS, e.g. major:1.0:2", param_hint="--class"
            ) from None
    return classes


def _decision_line(inspection: JSON) -> str:
    classes = ", ".join(
        f"{name} {c['defects']} defects (ac {c['ac']}, re {c['re']})"
        for name, c in inspection["classes"].items()
    )
    return f"{inspection['decision'].upper()}: sample {inspection['sampleSize']}; {classes}"


@inspect_app.command("record")
def inspect_record(
    batch_id: BatchId,
    lot_size: Annotated[int, typer.Option(help="Items in the lot.", min=2)],
    defect_class: Annotated[
        list[str], typer.Option("--class", help="NAME:AQL:DEFECTS, e.g. major:1.0:2.")
    ],
    time: Time,
    location: Location,
    level: Level = "II",
    severity: Severity = "normal",
    as_json: AsJson = False,
) -> None:
    """Record a sampling inspection; the server decides accept or reject (reject: on hold)."""
    sampling = {
        "lot_size": lot_size,
        "level": level,
        "severity": severity,
        "classes": _classes(defect_class),
    }
    body = {"type": "inspection", "event_time": time, "location": location, "sampling": sampling}
    with connect() as client:
        record = client.record_event(batch_id, body)
        # The reply names the record; the decision is inside it, read back from the audit trail.
        cursor = record["n"] - 1 if record["n"] > 0 else None
        page = client.audit(batch_id, cursor=cursor, limit=1)
    inspection: JSON = page["items"][0]["record"]["event"]["lp:inspection"]
    human = _decision_line(inspection)
    if inspection["decision"] == "reject":
        human += f"; batch {batch_id} is on hold"
    emit(as_json, {"record": record, "inspection": inspection}, human)


_CSV_HELP = (
    "CSV with the header kind,batch,gtin,lot,quantity,unit,produced_at,type,time,location,"
    "receiver,temperature_c,details_json; an event's batch is an id or @LOT of a batch row."
)


@client_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help=_CSV_HELP, exists=True, dir_okay=False)],
    as_json: AsJson = False,
) -> None:
    """Create batches and record their events from a CSV file; every row is checked first."""
    try:
        plan = read_plan(file)
        with (
            connect() as client,
            typer.progressbar(length=steps(plan), label="sending", file=sys.stderr) as bar,
        ):
            result = run_plan(client, plan, bar.update)
    except ImportRejected as e:
        for problem in e.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=1) from None
    events = sum(len(r) for r in result.records.values())
    data = {"batches": result.batch_ids, "records": result.records}
    human = f"imported {len(result.batch_ids)} batches and {events} events" + "".join(
        f"; {lot} is batch {batch_id}" for lot, batch_id in result.batch_ids.items()
    )
    emit(as_json, data, human)
