"""Where webhooks may go: public addresses only, outside dev mode, plus what the operator allows.

Subscribers choose the URL, so without this the dispatcher would POST from inside our network
to anything it can reach (databases, the chain node, cloud metadata) and report back whether
it answered. Names are checked when a delivery is sent, on the addresses actually connected
to (service/webhooks/transport.py); what can be refused from the URL alone is refused at
registration. Any port is accepted: receivers often listen on 8443 and the like, and the
address check is what keeps internal services out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv6Address,
    ip_address,
    ip_network,
)
from urllib.parse import urlsplit

from service.config import IPNetwork, parse_allow_list

IPAddress = IPv4Address | IPv6Address

# Not covered by `ipaddress`'s is_private/is_global on Python 3.11 yet reaching private hosts.
_CGNAT = ip_network("100.64.0.0/10")
_IETF_PROTOCOL = ip_network("192.0.0.0/24")  # protocol assignments, none a public host
_NAT64 = ip_network("64:ff9b::/96")  # the last 32 bits are an IPv4 address
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")  # RFC 8215: translates to anything, locally
_IPV4_COMPATIBLE = ip_network("::/96")  # deprecated ::a.b.c.d

# Plain http:// in dev mode: a receiver on this machine.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class DestinationRefused(Exception):
    """The receiver's address is not one deliveries may go to; the text is for our log only."""


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64, compatible), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_internal(ip: IPAddress) -> bool:
    """True for every address that is not plainly a host on the public internet."""
    if isinstance(ip, IPv6Address):
        embedded = _embedded_ipv4(ip)
        if ip in _NAT64 and embedded is not None:
            # What the NAT64 gateway will reach (an IPv6-only network's DNS64 answers so).
            return is_internal(embedded)
        if (embedded is not None and is_internal(embedded)) or ip in _NAT64_LOCAL:
            return True
    elif ip in _CGNAT or ip in _IETF_PROTOCOL:
        return True
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class DestinationPolicy:
    """Dev mode allows every address (receivers on this machine); otherwise public ones plus
    the allow-list."""

    dev: bool
    networks: tuple[IPNetwork, ...] = ()
    endpoints: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def build(cls, *, dev: bool, allow_list: str) -> DestinationPolicy:
        networks, endpoints = parse_allow_list(allow_list)
        return cls(dev=dev, networks=networks, endpoints=endpoints)

    def _listed(self, host: str, port: int, ip: IPAddress | None) -> bool:
        if (host.lower().rstrip("."), port) in self.endpoints:
            return True
        return ip is not None and (
            (str(ip), port) in self.endpoints or any(ip in net for net in self.networks)
        )

    def check_addresses(self, host: str, port: int, addresses: Iterable[IPAddress]) -> None:
        """Raise unless every address ``host`` resolved to may be connected to."""
        if self.dev:
            return
        for ip in addresses:
            if is_internal(ip) and not self._listed(host, port, ip):
                raise DestinationRefused(f"{host}:{port} resolves to internal address {ip}")

    def check_url(self, url: str) -> str | None:
        """Why ``url`` may not be registered (None: it may). Names are checked at send time."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ip = literal_ip(host)
        listed = self._listed(host, port, ip)
        if parts.scheme == "http" and not listed and not (self.dev and host in LOCAL_HOSTS):
            return (
                "must use https:// (http:// only to allow-listed receivers, or to "
                "127.0.0.1/localhost in dev mode)"
            )
        if ip is not None and not self.dev and is_internal(ip) and not listed:
            return "must not be a loopback, private, link-local or otherwise internal address"
        return None
