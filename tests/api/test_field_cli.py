"""The field CLI: four parties run a lot's whole life with `lotproof` against a live server.

The real app runs under uvicorn on a free port (as in tests/browser/conftest.py) and every
command goes over HTTP with the party's API key, exactly as on a supplier's laptop. Only
SQLite: the commands do not depend on the server's database engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from service.client.commands import client_app, parse_value
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Batch, OrgRole
from tests.builders import make_org, random_gtin, random_lot
from tests.support.live_server import free_port, live_server, live_settings_for
from tests.support.proxy import TcpProxy

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"
CSV_HEADER = (
    "kind,batch,gtin,lot,quantity,unit,produced_at,type,time,location,receiver,"
    "temperature_c,details_json"
)


@pytest.fixture(scope="module")
def live_settings(
    database_url: str, chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    if "postgresql" in database_url:
        pytest.skip("the field CLI runs once, on SQLite")
    return live_settings_for(database_url, chain_proxy.url, tmp_path_factory.mktemp("files"))


@pytest.fixture(scope="module")
def base_url(live_settings: Settings) -> Iterator[str]:
    with live_server(live_settings) as base:
        yield base


@dataclass(frozen=True)
class Party:
    """One organisation at its own terminal: its slug, and `lotproof` with its key."""

    slug: str
    key: str
    base_url: str

    def run(self, *args: str, ok: bool = True) -> Result:
        env = {"LOTPROOF_URL": self.base_url, "LOTPROOF_API_KEY": self.key}
        result = CliRunner().invoke(client_app, list(args), env=env)
        if ok:
            assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture(scope="module")
def parties(base_url: str, request: pytest.FixtureRequest) -> dict[str, Party]:
    sessions: SessionFactory = request.getfixturevalue("sessions")
    roles = {
        "supplier": OrgRole.supplier,
        "carrier": OrgRole.logistics,
        "retailer": OrgRole.retailer,
        "inspector": OrgRole.inspector,
    }
    return {
        name: Party(*make_org(sessions, role), base_url=base_url) for name, role in roles.items()
    }


def at(hour: int) -> str:
    return f"2026-11-02T{hour:02d}:00:00+08:00"


@pytest.fixture(scope="module")
def lot(parties: dict[str, Party]) -> dict[str, Any]:
    """A batch taken from the plant to the shop, every step by its own party's CLI."""
    supplier, carrier, retailer = parties["supplier"], parties["carrier"], parties["retailer"]
    gtin = random_gtin()
    supplier.run("product", "create", "--gtin", gtin, "--name", "Longjing green tea")
    batch = supplier.json(
        "batch", "create", "--gtin", gtin, "--lot", random_lot(), "--quantity", "1200",
        "--unit", "KGM", "--produced-at", at(6),
    )  # fmt: skip
    bid = str(batch["id"])
    where = ("--location", "Hangzhou plant 2")
    supplier.run(
        "event", "add", bid, "--type", "production", "--time", at(8), *where,
        "--detail", "line=L3", "--detail", "cartons=120", "--detail", "moisture=4.5",
        "--detail", "organic=true", "--detail", "code=007",
    )  # fmt: skip
    supplier.run("event", "add", bid, "--type", "packing", "--time", at(10), *where)
    supplier.run(
        "event", "add", bid, "--type", "shipping", "--time", at(12), *where,
        "--receiver", carrier.slug,
    )  # fmt: skip
    cold_store = ("--location", "Hangzhou cold store 1")
    carrier.run("event", "add", bid, "--type", "receiving", "--time", at(13), *cold_store)
    carrier.run(
        "event", "add", bid, "--type", "temperature", "--time", at(14), *cold_store,
        "--temperature", "4.0",
    )  # fmt: skip
    carrier.run(
        "event", "add", bid, "--type", "shipping", "--time", at(16), *cold_store,
        "--receiver", retailer.slug,
    )  # fmt: skip
    retailer.run(
        "event", "add", bid, "--type", "receiving", "--time", at(20), "--location", "Shop 12"
    )
    made: dict[str, Any] = batch
    return made


class TestLifeOfALot:
    def test_every_party_records_its_own_steps(
        self, lot: dict[str, Any], parties: dict[str, Party]
    ) -> None:
        shown = parties["retailer"].run("batch", "show", str(lot["id"])).stdout
        assert f"lot {lot['lot']}" in shown and "7 records" in shown

    def test_custody_names_the_three_custodians_in_order(
        self, lot: dict[str, Any], parties: dict[str, Party]
    ) -> None:
        lines = parties["retailer"].run("batch", "custody", str(lot["id"])).stdout.splitlines()
        expected = [parties[p].slug for p in ("supplier", "carrier", "retailer")]
        assert [line.split()[0] for line in lines] == expected
        chain = parties["retailer"].json("batch", "custody", str(lot["id"]))
        assert chain["custodian"]["slug"] == parties["retailer"].slug
        assert chain["in_transit_to"] is None

    def test_detail_values_keep_their_types_in_the_record(
        self, lot: dict[str, Any], parties: dict[str, Party], tmp_path: Path
    ) -> None:
        out = tmp_path / "bundle.json"
        parties["supplier"].run("bundle", str(lot["id"]), "--out", str(out))
        bundle = json.loads(out.read_bytes())
        details = bundle["records"][0]["record"]["event"]["lp:details"]
        expected = {"line": "L3", "cartons": 120, "moisture": 4.5, "organic": True, "code": "007"}
        assert details == expected

    def test_trace_of_an_untransformed_lot_is_the_lot_alone(
        self, lot: dict[str, Any], parties: dict[str, Party]
    ) -> None:
        graph = parties["retailer"].json("batch", "trace", str(lot["id"]), "--depth", "2")
        assert [node["id"] for node in graph["nodes"]] == [lot["id"]]
        assert graph["edges"] == []


class TestInspection:
    def test_plan_says_how_many_to_sample(self, parties: dict[str, Party]) -> None:
        line = parties["inspector"].run("inspect", "plan", "--lot-size", "500", "--aql", "1.0")
        assert line.stdout.startswith("inspect 50 of 500 (code H)")
        plan = parties["inspector"].json("inspect", "plan", "--lot-size", "500", "--aql", "1.0")
        assert (plan["acceptance_number"], plan["rejection_number"]) == (1, 2)

    def test_the_server_decides_and_the_cli_prints_the_decision(
        self, lot: dict[str, Any], parties: dict[str, Party]
    ) -> None:
        inspector, bid = parties["inspector"], str(lot["id"])
        common = ("--lot-size", "500", "--time", at(21), "--location", "QA lab 1")
        classes = ("--class", "major:1.0:1", "--class", "critical:0.065:0")
        accepted = inspector.run("inspect", "record", bid, *common, *classes)
        # The critical class's tiny AQL needs the larger sample; each class keeps its own plan.
        assert accepted.stdout.startswith("ACCEPT: sample 200; ")
        assert "major 1 defects (ac 1, re 2)" in accepted.stdout
        rejected = inspector.json("inspect", "record", bid, *common, "--class", "major:1.0:2")
        assert rejected["inspection"]["decision"] == "reject"
        assert rejected["record"]["type"] == "inspection"

    def test_a_malformed_class_is_refused_before_sending(self, parties: dict[str, Party]) -> None:
        result = parties["inspector"].run(
            "inspect", "record", "1", "--lot-size", "500", "--class", "major-1.0",
            "--time", at(21), "--location", "QA lab 1", ok=False,
        )  # fmt: skip
        assert result.exit_code == 2
        assert "NAME:AQL:DEFECTS" in result.stderr


class TestSerialsAndFiles:
    def test_serials_and_every_download(self, parties: dict[str, Party], tmp_path: Path) -> None:
        supplier = parties["supplier"]
        gtin = random_gtin()
        supplier.run("product", "create", "--gtin", gtin, "--name", "Jasmine tea")
        bid = str(
            supplier.json(
                "batch", "create", "--gtin", gtin, "--lot", random_lot(), "--quantity", "50",
                "--unit", "H87", "--produced-at", at(6),
            )["id"]
        )  # fmt: skip
        units = supplier.json("serials", "commission", bid, "--count", "5")
        assert len(units) == 5 and all("/21/" in u["url"] for u in units)
        files = {
            "qr.png": ("qr", bid),
            "qr.svg": ("qr", bid, "--format", "svg"),
            "labels.pdf": ("labels", bid, "--copies", "3"),
            "units.pdf": ("labels", bid, "--units"),
            "audit.pdf": ("bundle", bid, "--report"),
        }
        for name, args in files.items():
            supplier.run(*args, "--out", str(tmp_path / name))
        assert (tmp_path / "qr.png").read_bytes().startswith(PNG_MAGIC)
        assert b"<svg" in (tmp_path / "qr.svg").read_bytes()
        for pdf in ("labels.pdf", "units.pdf", "audit.pdf"):
            assert (tmp_path / pdf).read_bytes().startswith(PDF_MAGIC), pdf

    def test_evidence_is_cited_by_digest(
        self, lot: dict[str, Any], parties: dict[str, Party], base_url: str
    ) -> None:
        retailer = parties["retailer"]
        uploaded = httpx.post(
            f"{base_url}/api/v1/files",
            files={"file": ("log.txt", b"4.0 C all night\n", "text/plain")},
            headers={"Authorization": f"Bearer {retailer.key}"},
        )
        assert uploaded.status_code in (200, 201), uploaded.text
        digest = uploaded.json()["digest"]
        record = retailer.json(
            "event", "add", str(lot["id"]), "--type", "temperature", "--time", at(22),
            "--location", "Shop 12", "--temperature", "5", "--evidence", digest,
        )  # fmt: skip
        assert record["type"] == "temperature"
        refused = retailer.run(
            "event", "add", str(lot["id"]), "--type", "storage", "--time", at(22),
            "--location", "Shop 12", "--evidence", "0x" + "00" * 32, ok=False,
        )  # fmt: skip
        assert refused.exit_code == 1
        assert refused.stderr.startswith("error: details.evidence.0: unknown evidence file")
        assert len(refused.stderr.splitlines()) == 1


class TestErrors:
    def test_the_servers_reason_and_exit_1(self, parties: dict[str, Party]) -> None:
        result = parties["supplier"].run(
            "product", "create", "--gtin", "09506000134353", "--name", "x", ok=False
        )
        assert result.exit_code == 1
        assert result.stderr.startswith("error: ") and "gtin" in result.stderr
        assert result.stdout == ""

    def test_a_wrong_key_is_refused(self, base_url: str) -> None:
        stranger = Party("nobody", "lp_not-a-key", base_url)
        result = stranger.run("serials", "commission", "1", "--count", "1", ok=False)
        assert result.exit_code == 1 and result.stderr.startswith("error: ")

    def test_an_unreachable_server_is_one_line(self) -> None:
        offline = Party("nobody", "lp_x", f"http://127.0.0.1:{free_port()}")
        result = offline.run("batch", "show", "1", ok=False)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: cannot reach http://127.0.0.1:")

    @pytest.mark.parametrize(
        ("text", "value"),
        [("120", 120), ("-3", -3), ("4.5", 4.5), ("1e3", 1000.0), ("true", True),
         ("false", False), ("007", "007"), ("1_000", "1_000"), ("nan", "nan"),
         ("inf", "inf"), ("L3", "L3"), ("", "")],
    )  # fmt: skip
    def test_detail_values(self, text: str, value: Any) -> None:
        assert parse_value(text) == value and type(parse_value(text)) is type(value)


def batch_count(sessions: SessionFactory, lots: list[str]) -> int:
    with sessions.read() as session:
        query = select(func.count()).select_from(Batch).where(Batch.lot.in_(lots))
        return int(session.scalar(query) or 0)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


class TestImport:
    @pytest.fixture
    def gtin(self, parties: dict[str, Party]) -> str:
        gtin = random_gtin()
        parties["supplier"].run("product", "create", "--gtin", gtin, "--name", "Oolong")
        return gtin

    def test_two_batches_and_five_events(
        self, parties: dict[str, Party], gtin: str, tmp_path: Path
    ) -> None:
        supplier, lots = parties["supplier"], [random_lot(), random_lot()]
        rows = [
            f"batch,,{gtin},{lots[0]},100,KGM,{at(6)},,,,,,",
            f"batch,,{gtin},{lots[1]},200.5,KGM,{at(7)},,,,,,",
            f'event,@{lots[0]},,,,,,production,{at(8)},Plant 2,,,"{{""line"": ""L3""}}"',
            f"event,@{lots[1]},,,,,,production,{at(9)},Plant 2,,,",
            f"event,@{lots[0]},,,,,,packing,{at(10)},Plant 2,,,",
            f"event,@{lots[0]},,,,,,temperature,{at(11)},Store,,3.5,",
            f"event,@{lots[1]},,,,,,shipping,{at(12)},Dock 4,{parties['carrier'].slug},,",
        ]
        done = supplier.json("import", str(write_csv(tmp_path / "ok.csv", rows)))
        assert sorted(done["batches"]) == sorted(lots)
        counts = {lot: len(done["records"][str(done["batches"][lot])]) for lot in lots}
        assert counts == {lots[0]: 3, lots[1]: 2}
        first = supplier.run("batch", "show", str(done["batches"][lots[0]])).stdout
        assert "3 records" in first
        custody = supplier.json("batch", "custody", str(done["batches"][lots[1]]))
        assert custody["in_transit_to"]["slug"] == parties["carrier"].slug

    def test_a_bad_row_is_named_by_line_and_nothing_is_sent(
        self, parties: dict[str, Party], gtin: str, tmp_path: Path, request: pytest.FixtureRequest
    ) -> None:
        sessions: SessionFactory = request.getfixturevalue("sessions")
        lots = [random_lot(), random_lot()]
        rows = [
            f"batch,,{gtin},{lots[0]},100,KGM,{at(6)},,,,,,",
            f"event,@{lots[0]},,,,,,production,yesterday,Plant 2,,,",
            f"batch,,{gtin},{lots[1]},-1,KGM,{at(6)},,,,,,",
            f"event,@NOPE,,,,,,packing,{at(10)},Plant 2,,,",
            f"event,@{lots[0]},,,,,,shipping,{at(12)},Dock 4,,,",
            f"event,@{lots[0]},,,,,,packing,{at(10)},Plant 2,,,{{not json",
        ]
        result = parties["supplier"].run(
            "import", str(write_csv(tmp_path / "bad.csv", rows)), ok=False
        )
        assert result.exit_code == 1
        problems = result.stderr.splitlines()
        expected = {3: "event_time", 4: "quantity", 5: "@NOPE", 6: "receiver", 7: "details_json"}
        for line, reason in expected.items():
            named = [p for p in problems if p.startswith(f"line {line}: ")]
            assert any(reason in p for p in named), (line, problems)
        assert "nothing was sent" in result.stderr
        assert batch_count(sessions, lots) == 0

    def test_a_row_the_server_refuses_is_named_by_line(
        self, parties: dict[str, Party], gtin: str, tmp_path: Path
    ) -> None:
        lot = random_lot()
        rows = [
            f"batch,,{gtin},{lot},100,KGM,{at(6)},,,,,,",
            f"event,@{lot},,,,,,production,{at(8)},Plant 2,,,",
            f"event,@{lot},,,,,,receiving,{at(9)},Plant 2,,,",  # never shipped to us
        ]
        result = parties["supplier"].run(
            "import", str(write_csv(tmp_path / "refused.csv", rows)), ok=False
        )
        assert result.exit_code == 1
        assert any(p.startswith("line 4: ") for p in result.stderr.splitlines()), result.stderr
        # Fixed and run again: the batch already created is replayed, not refused as a duplicate.
        write_csv(tmp_path / "fixed.csv", rows[:2])
        done = parties["supplier"].json("import", str(tmp_path / "fixed.csv"))
        assert list(done["batches"]) == [lot]


class TestSigning:
    def test_sign_a_record_with_a_local_keystore(
        self, parties: dict[str, Party], tmp_path: Path
    ) -> None:
        supplier = parties["supplier"]
        account = Account.create()
        keystore = tmp_path / "key.json"
        keystore.write_text(json.dumps(Account.encrypt(account.key, "field-pw", iterations=2)))
        gtin = random_gtin()
        supplier.run("product", "create", "--gtin", gtin, "--name", "Signed tea")
        batch = supplier.json(
            "batch", "create", "--gtin", gtin, "--lot", random_lot(), "--quantity", "10",
            "--unit", "KGM", "--produced-at", at(6),
        )  # fmt: skip
        record = supplier.json(
            "event", "add", str(batch["id"]), "--type", "production", "--time", at(8),
            "--location", "Plant",
        )  # fmt: skip
        env = {"LOTPROOF_URL": supplier.base_url, "LOTPROOF_API_KEY": supplier.key}
        # Registering proves the key: the CLI signs the server's challenge with the keystore.
        registered = CliRunner().invoke(
            client_app,
            ["register-address", "--keystore", str(keystore), "--json"],
            env=env | {"LOTPROOF_KEYSTORE_PASSWORD": "field-pw"},
        )
        assert registered.exit_code == 0, (registered.stdout, registered.stderr)
        assert json.loads(registered.stdout)["addresses"] == [account.address]
        result = CliRunner().invoke(
            client_app,
            ["sign", str(record["id"]), "--keystore", str(keystore), "--json"],
            env=env | {"LOTPROOF_KEYSTORE_PASSWORD": "field-pw"},
        )
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert json.loads(result.stdout)["signer"] == account.address
        wrong = CliRunner().invoke(
            client_app,
            ["sign", str(record["id"]), "--keystore", str(keystore)],
            env=env | {"LOTPROOF_KEYSTORE_PASSWORD": "nope"},
        )
        assert wrong.exit_code == 1


class TestTransform:
    def test_blend_two_lots_from_the_cli(self, parties: dict[str, Party]) -> None:
        supplier = parties["supplier"]
        gtin = random_gtin()
        supplier.run("product", "create", "--gtin", gtin, "--name", "Tea blend")
        lots = [
            supplier.json(
                "batch",
                "create",
                "--gtin",
                gtin,
                "--lot",
                random_lot(),
                "--quantity",
                "100",
                "--unit",
                "KGM",
                "--produced-at",
                at(6),
            )
            for _ in range(2)
        ]
        made = supplier.json(
            "transform", "--input", f"{lots[0]['id']}:60", "--input", f"{lots[1]['id']}:40",
            "--gtin", gtin, "--lot", random_lot(), "--quantity", "100", "--unit", "KGM",
            "--produced-at", at(9), "--time", at(9), "--location", "Blending room",
        )  # fmt: skip
        trace = supplier.json(
            "batch", "trace", str(made["output"]["id"]), "--direction", "upstream"
        )
        assert {n["id"] for n in trace["nodes"]} == {made["output"]["id"], *(b["id"] for b in lots)}
        arguments = ["transform", "--input", "x", "--gtin", gtin, "--lot", "L", "--quantity", "1"]
        arguments += ["--unit", "KGM", "--produced-at", at(9), "--time", at(9), "--location", "X"]
        bad = supplier.run(*arguments, ok=False)
        assert bad.exit_code != 0
