"""Which contract we anchor to, and whether the chain under it is still the one we used."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from service.anchoring.repository import AnchorRepository
from service.config import Settings
from service.db.models import Deployment
from service.ledger import ChainIdentity, Ledger
from service.metrics import CHAIN_UP
from service.state import Part

log = logging.getLogger(__name__)


class DeploymentError(Exception):
    """The chain or contract configuration cannot be used as it is."""


class NotDeployedYet(DeploymentError):
    """No deployment recorded yet: the anchoring worker (maybe another process) records it."""


class ChainReset(DeploymentError):
    """The chain no longer holds our contract: reset dev chain, or a different chain."""


class AnchorsDropped(Exception):
    """Our newest final anchors are gone but older ones stand: a reorg deeper than
    LOTPROOF_CONFIRMATIONS. The worker puts the dropped ones back in flight."""

    def __init__(self, deployment_id: int, from_index: int) -> None:
        super().__init__(f"anchors from index {from_index} left the chain (a reorg)")
        self.deployment_id = deployment_id
        self.from_index = from_index


@dataclass
class ChainHealth:
    """Last thing the worker learnt about the chain; read by /readyz and the consumer page."""

    state: str = "unknown"  # unknown | ok | unreachable | reset | misconfigured
    message: str = "not checked yet"
    checked_at: float = 0.0
    head_block: int | None = None  # latest block number seen, for confirmation counts
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, state: str, message: str) -> None:
        with self._lock:
            changed = state != self.state
            self.state, self.message, self.checked_at = state, message, time.time()
        CHAIN_UP.set(1 if state == "ok" else 0)
        if changed:
            # "unknown" is not a fault: at startup, or until the worker has deployed.
            level = logging.INFO if state in ("ok", "unknown") else logging.ERROR
            log.log(level, "chain %s: %s", state, message)

    @property
    def ok(self) -> bool:
        return self.state == "ok"


# Shared by the anchoring worker (which sets it) and the routes that report it.
CHAIN_HEALTH: Part[ChainHealth] = Part("chain health")


def record_deployment(
    session: Session, identity: ChainIdentity, address: str, tx_hash: str | None
) -> Deployment:
    """Make ``address`` the active deployment; an older one is superseded (records re-anchor)."""
    repo = AnchorRepository(session)
    previous = repo.get_active_deployment()
    if previous is not None:
        repo.supersede_deployment(previous.id)
    deployment = Deployment(
        chain_id=identity.chain_id,
        genesis_hash=identity.genesis_hash,
        address=address,
        tx_hash=tx_hash,
    )
    repo.add(deployment)
    return deployment


def ensure_deployment(
    session: Session, ledger: Ledger, settings: Settings, *, may_write: bool = True
) -> Deployment | None:
    """The active deployment, checked against the chain; deploys one in dev mode if none.

    With ``may_write=False`` it returns None where a deployment row would have to be written,
    so the common case runs in a read transaction: on SQLite a write transaction held across
    these RPC calls would stall every API write while the chain is slow or down.
    """
    identity = ledger.identity()
    if settings.chain_id is not None and identity.chain_id != settings.chain_id:
        raise DeploymentError(
            f"RPC {settings.rpc_endpoint} serves chain {identity.chain_id}, "
            f"but LOTPROOF_CHAIN_ID is {settings.chain_id}"
        )
    active = AnchorRepository(session).get_active_deployment()
    wanted = settings.contract_address
    needs_row = active is None or bool(wanted and active.address.lower() != wanted.lower())
    if needs_row and not may_write:
        return None
    if wanted and (active is None or active.address.lower() != wanted.lower()):
        if not ledger.has_contract(wanted):
            raise DeploymentError(f"no contract code at LOTPROOF_CONTRACT_ADDRESS {wanted}")
        active = record_deployment(session, identity, wanted, None)
    elif active is None:
        if not settings.is_dev:
            raise DeploymentError(
                "no contract: set LOTPROOF_CONTRACT_ADDRESS or run `lotproof chain deploy`"
            )
        deployed = ledger.deploy()
        log.info("dev mode: deployed TraceAnchor at %s", deployed.address)
        active = record_deployment(session, identity, deployed.address, deployed.tx_hash)
    check_deployment(active, identity, ledger)
    ledger.use_contract(active.address)
    check_final_anchors(session, ledger, active)
    return active


def check_final_anchors(session: Session, ledger: Ledger, active: Deployment) -> None:
    """Raise unless our newest final anchor is still on the chain where we saw it.

    A reset dev chain can get the same genesis and, redeployed from the same account, the same
    contract address: only our own roots being there prove the state survived. If the oldest
    final anchor stands but the newest does not, it is a reorg, and the chain holds a prefix of
    our anchors: a binary search finds where it ends.
    """
    repo = AnchorRepository(session)
    latest = repo.get_latest_final_anchor(active.id)
    if latest is None or _stands(ledger, latest.root, latest.chain_index):
        return
    finals = repo.list_final_roots(active.id)  # (chain_index, root), oldest first
    if not _stands(ledger, finals[0][1], finals[0][0]):
        raise ChainReset(
            f"anchor {latest.chain_index} is missing from contract {active.address}: the chain "
            "was reset; run `lotproof chain reanchor` to deploy anew and re-anchor every record"
        )
    low, high = 0, len(finals) - 1  # finals[low] stands, finals[high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if _stands(ledger, finals[middle][1], finals[middle][0]):
            low = middle
        else:
            high = middle
    raise AnchorsDropped(active.id, finals[high][0])


def _stands(ledger: Ledger, root: bytes, chain_index: int | None) -> bool:
    on_chain = ledger.find_anchor(root)
    return on_chain is not None and on_chain.index == chain_index


def observe_deployment(session: Session, ledger: Ledger, settings: Settings) -> None:
    """Read-only check of the active deployment, for instances that do not anchor themselves."""
    if ensure_deployment(session, ledger, settings, may_write=False) is None:
        raise NotDeployedYet("no contract deployed yet (the anchoring worker deploys it)")


def check_deployment(deployment: Deployment, identity: ChainIdentity, ledger: Ledger) -> None:
    """Raise ChainReset unless the chain still has our genesis block and our contract code."""
    remedy = "run `lotproof chain reanchor` to deploy anew and re-anchor every record"
    if identity.chain_id != deployment.chain_id:
        raise ChainReset(
            f"connected to chain {identity.chain_id}, but the contract lives on chain "
            f"{deployment.chain_id}; {remedy}"
        )
    if identity.genesis_hash != deployment.genesis_hash:
        raise ChainReset(f"the chain was reset (its genesis block changed); {remedy}")
    if not ledger.has_contract(deployment.address):
        raise ChainReset(f"contract {deployment.address} is gone from the chain; {remedy}")
