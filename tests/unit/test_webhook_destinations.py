"""Which addresses webhooks may reach outside dev mode, and how the allow-list reads."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from service.webhooks.destinations import (
    DestinationPolicy,
    DestinationRefused,
    is_internal,
    parse_allow_list,
)

INTERNAL = [
    "127.0.0.1", "127.255.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254",
    "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1",
    "255.255.255.255", "192.0.0.8", "198.18.0.1", "::1", "::", "fe80::1", "fd00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::7f00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::1", "2002:7f00:1::1", "2002:a00:1::",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses(address: str) -> None:
    assert is_internal(ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert not is_internal(ip_address(address))


def test_allow_list_reads_networks_and_host_ports() -> None:
    networks, endpoints = parse_allow_list(" 10.1.0.0/16, Hooks.Internal:8443,[fd00::5]:9000,,")
    assert [str(n) for n in networks] == ["10.1.0.0/16"]
    assert endpoints == {("hooks.internal", 8443), ("fd00::5", 9000)}


@pytest.mark.parametrize("entry", ["hooks.internal", "10.0.0.0/33", "host:99999", "a@b:1"])
def test_allow_list_names_a_bad_entry(entry: str) -> None:
    with pytest.raises(ValueError, match="allow-list entry"):
        parse_allow_list(f"10.0.0.0/8,{entry}")


def test_every_resolved_address_must_pass() -> None:
    policy = DestinationPolicy.build(dev=False, allow_list="10.9.0.0/16")
    policy.check_addresses("h.example", 443, [ip_address("8.8.8.8"), ip_address("10.9.1.1")])
    with pytest.raises(DestinationRefused):
        policy.check_addresses("h.example", 443, [ip_address("8.8.8.8"), ip_address("10.8.1.1")])
    DestinationPolicy.build(dev=True, allow_list="").check_addresses(
        "localhost", 80, [ip_address("127.0.0.1")]
    )


def test_named_allow_list_entry_lets_that_name_and_port_reach_internal_addresses() -> None:
    policy = DestinationPolicy.build(dev=False, allow_list="hooks.internal:8443")
    policy.check_addresses("hooks.internal", 8443, [ip_address("10.0.0.7")])
    with pytest.raises(DestinationRefused):
        policy.check_addresses("hooks.internal", 443, [ip_address("10.0.0.7")])
