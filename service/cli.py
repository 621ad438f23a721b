"""The ``lotproof`` command line."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
import uvicorn

from service.anchoring.deployment import DeploymentError, record_deployment
from service.anchoring.repository import AnchorRepository
from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.audit.monitor import run_monitor
from service.bundlecheck import main as verify_bundle_main
from service.client.commands import client_app
from service.complaints.overdue import watch_overdue
from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import OrgRole
from service.demo import run_demo
from service.errors import Conflict, InvalidInput
from service.ledger import LedgerError
from service.ledger.factory import build_ledger
from service.ledger.reader import ContractReader
from service.ledger.signer import SignerConfigError
from service.memory import manage_heap
from service.orgs.service import create_org
from service.webhooks.dispatcher import WebhookDispatcher

app = typer.Typer(help="Lotproof: tamper-evident product traceability.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations and their API keys.", no_args_is_help=True)
chain_app = typer.Typer(help="The TraceAnchor contract on the chain.", no_args_is_help=True)
app.add_typer(org_app, name="org")
# Field commands against a remote server (LOTPROOF_URL, LOTPROOF_API_KEY): products, batches,
# events, serials, labels, inspections, CSV import, bundles.
app.add_typer(client_app)
app.add_typer(chain_app, name="chain")


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _sessions(settings: Settings) -> SessionFactory:
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    return SessionFactory(engine)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Configuration and chain problems end the command with one clear line, not a traceback."""
    try:
        yield
    except (SignerConfigError, DeploymentError, LedgerError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="HTTP processes; above 1 needs LOTPROOF_RUN_WORKER=false + `lotproof worker`.",
        ),
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Run migrations, the HTTP API and (unless LOTPROOF_RUN_WORKER=false) the anchoring worker."""
    _setup_logging()
    settings = Settings()
    if workers > 1 and settings.run_worker:
        raise typer.BadParameter(
            "several HTTP workers would each anchor: set LOTPROOF_RUN_WORKER=false and run"
            " `lotproof worker` beside them",
            param_hint="--workers",
        )
    with _clean_errors():
        build_ledger(settings)  # fail fast on a bad key, before binding the port
        if workers == 1:
            uvicorn.run(
                create_app(settings), host=host, port=port, log_level="info", access_log=access_log
            )
            return
        # Several processes need an import string; each builds the app from the environment.
        uvicorn.run(
            "service.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
        )


@app.command()
def worker() -> None:
    """Run the anchoring worker on its own (set LOTPROOF_RUN_WORKER=false on the API servers)."""
    _setup_logging()
    settings = Settings()
    stop = threading.Event()
    manage_heap(settings, stop)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with _clean_errors():
        ledger = build_ledger(settings)
        sessions = _sessions(settings)
        # Webhooks go out from the same process that anchors.
        dispatcher = WebhookDispatcher(sessions=sessions, settings=settings)
        threading.Thread(
            target=dispatcher.run_forever, args=(stop,), name="webhook-dispatcher", daemon=True
        ).start()
        threading.Thread(
            target=watch_overdue, args=(sessions, stop, settings), name="overdue", daemon=True
        ).start()
        AnchoringWorker(sessions=sessions, ledger=ledger, settings=settings).run_forever(stop)


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[str, typer.Option(help="supplier|logistics|inspector|retailer|admin")],
    slug: Annotated[
        str | None,
        typer.Option(help="Slug records name it by (never changes); default: from the name."),
    ] = None,
) -> None:
    """Create an organisation; prints its API key once (it is stored only hashed)."""
    try:
        org_role = OrgRole(role)
    except ValueError:
        raise typer.BadParameter(
            f"role must be one of {', '.join(OrgRole)}", param_hint="--role"
        ) from None
    sessions = _sessions(Settings())
    try:
        with sessions.write() as session, session.begin():
            created = create_org(session, name=name, role=org_role, slug=slug)
    except (InvalidInput, Conflict) as e:  # an empty name; a malformed, reserved or taken slug
        raise typer.BadParameter(e.detail, param_hint=f"--{e.field or 'slug'}") from None
    typer.echo(json.dumps(created.model_dump(mode="json")))


def _deploy(settings: Settings, sessions: SessionFactory) -> tuple[str, AnchoringWorker]:
    ledger = build_ledger(settings)
    deployed = ledger.deploy()
    with sessions.write() as session, session.begin():
        record_deployment(session, ledger.identity(), deployed.address, deployed.tx_hash)
    return deployed.address, AnchoringWorker(sessions=sessions, ledger=ledger, settings=settings)


@chain_app.command("deploy")
def chain_deploy() -> None:
    """Deploy a new TraceAnchor and make it the active contract (records re-anchor to it)."""
    _setup_logging()
    settings = Settings()
    with _clean_errors():
        address, _ = _deploy(settings, _sessions(settings))
    typer.echo(json.dumps({"address": address}))


@chain_app.command("reanchor")
def chain_reanchor() -> None:
    """Deploy anew (after a dev chain reset, or on another chain); re-anchor every record."""
    _setup_logging()
    settings = Settings()
    with _clean_errors():
        address, anchoring = _deploy(settings, _sessions(settings))
        count = anchoring.anchor_all_pending()
    typer.echo(json.dumps({"address": address, "records_anchored": count}))


@app.command()
def demo(
    url: Annotated[str, typer.Option(help="Base URL of the running server.")] = (
        "http://127.0.0.1:8000"
    ),
    out: Annotated[str, typer.Option(help="Where to save the batch's QR code.")] = "demo-qr.png",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for anchoring.")] = 120.0,
) -> None:
    """Record a sample batch against a running server and wait until it is anchored."""
    settings = Settings()
    result = run_demo(sessions=_sessions(settings), base_url=url, qr_path=out, timeout=timeout)
    typer.echo(f"batch {result['lot']} is {result['verdict']}; QR code saved to {out}")
    typer.echo(f"consumer page: {result['consumer_url']}")
    if result["verdict"] != "authentic":
        raise typer.Exit(code=1)


@app.command("verify-bundle")
def verify_bundle_command(
    file: Annotated[str, typer.Argument(help="The proof bundle (JSON) to check.")],
    rpc: Annotated[str, typer.Option(help="JSON-RPC URL of a node of the bundle's chain.")],
    contract: Annotated[
        str | None, typer.Option(help="Pin the TraceAnchor address instead of the bundle's.")
    ] = None,
) -> None:
    """Check a proof bundle against the chain alone (exit 0 ok, 1 tampered, 2 pending, 3 down)."""
    argv = [file, "--rpc", rpc] + (["--contract", contract] if contract else [])
    raise typer.Exit(code=verify_bundle_main(argv))


@app.command()
def monitor(
    rpc: Annotated[str | None, typer.Option(help="RPC URL (default: LOTPROOF_RPC_URL).")] = None,
    every: Annotated[
        float | None, typer.Option(help="Run again every SECONDS until stopped.", min=1)
    ] = None,
) -> None:
    """Check every anchor on the chain against the published leaf lists and stored records."""
    settings = Settings()
    sessions = _sessions(settings)
    with sessions.read() as session:
        deployment = AnchorRepository(session).get_active_deployment()
    if deployment is None:
        typer.echo("error: no contract deployed yet", err=True)
        raise typer.Exit(code=1)
    reader = ContractReader(rpc_url=rpc or settings.rpc_url, address=deployment.address)
    while True:
        with _clean_errors(), sessions.write() as session, session.begin():
            report = run_monitor(session, reader)
        for line in report.discrepancies:
            typer.echo(f"DISCREPANCY {line}")
        typer.echo(
            f"checked {report.anchors_checked} anchors: "
            + ("all consistent" if report.ok else f"{len(report.discrepancies)} discrepancies")
        )
        if every is None:
            raise typer.Exit(code=0 if report.ok else 1)
        time.sleep(every)


if __name__ == "__main__":
    app()
