"""The anchoring key: the public Hardhat key only in dev mode, secrets never echoed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from service.config import HARDHAT_DEV_KEY, Settings
from service.ledger.signer import SignerConfigError, load_signer

OTHER_KEY = "0x" + "11" * 32


class TestLoadSigner:
    def test_dev_mode_defaults_to_the_hardhat_key(self) -> None:
        signer = load_signer(Settings(env="dev"))
        assert signer.address == Account.from_key(HARDHAT_DEV_KEY).address

    def test_prod_requires_a_key(self) -> None:
        with pytest.raises(SignerConfigError, match="LOTPROOF_ANCHOR_KEY"):
            load_signer(Settings(env="prod"))

    def test_prod_refuses_the_hardhat_key(self) -> None:
        with pytest.raises(SignerConfigError, match="LOTPROOF_ENV=dev"):
            load_signer(Settings(env="prod", anchor_key=HARDHAT_DEV_KEY))

    def test_prod_accepts_another_key(self) -> None:
        signer = load_signer(Settings(env="prod", anchor_key=OTHER_KEY))
        assert signer.address == Account.from_key(OTHER_KEY).address

    def test_invalid_key_message_does_not_echo_it(self) -> None:
        secret = "0xnot-a-key-but-secret"
        with pytest.raises(SignerConfigError) as info:
            load_signer(Settings(env="prod", anchor_key=secret))
        assert secret not in str(info.value)
        assert info.value.__cause__ is None

    def test_settings_repr_hides_the_key(self) -> None:
        assert OTHER_KEY not in repr(Settings(anchor_key=OTHER_KEY))

    def test_encrypted_keystore(self, tmp_path: Path) -> None:
        path = tmp_path / "key.json"
        path.write_text(json.dumps(Account.encrypt(OTHER_KEY, "pw", iterations=2)))
        settings = Settings(env="prod", anchor_keystore=path, anchor_keystore_password="pw")
        assert load_signer(settings).address == Account.from_key(OTHER_KEY).address
        wrong = Settings(env="prod", anchor_keystore=path, anchor_keystore_password="nope")
        with pytest.raises(SignerConfigError):
            load_signer(wrong)


class TestRpcEndpointIsSafeToLog:
    def test_api_keys_in_rpc_urls_are_dropped(self) -> None:
        settings = Settings(rpc_url="https://user:pw@mainnet.example.io:8443/v3/SECRETKEY?k=1")
        assert settings.rpc_endpoint == "https://mainnet.example.io:8443"
        assert Settings(rpc_url="http://127.0.0.1:8545").rpc_endpoint == "http://127.0.0.1:8545"
