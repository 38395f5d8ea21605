"""The client address: who sent a request, trusting forwarding headers only from known proxies."""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from slots.errors import ConfigurationError

from .request import RequestInfo

__all__ = ["ClientAddress", "ForwardedHeader", "TrustedProxies", "is_secure", "parse_address"]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Which forwarding header a trusted proxy writes. ``"auto"`` reads whichever is present and,
#: when both are, believes them only if they name the same client.
ForwardedHeader = Literal["auto", "x-forwarded-for", "forwarded"]

# No textual address, bracketed IPv6 with port and zone included, is longer than this.
_MAX_NODE_LENGTH: Final = 64
_CACHE_SIZE: Final = 4096
# Longer forwarding headers are resolved without the cache, which keeps its memory bounded.
_MAX_CACHED_HEADERS: Final = 512


@dataclass(frozen=True, slots=True)
class ClientAddress:
    """The client's address (``None`` when unknown) and whether a trusted proxy sent the request."""

    ip: str | None
    via_trusted_proxy: bool


class TrustedProxies:
    """The proxies whose forwarding headers are believed, as addresses or networks.

    ``proxies`` may also be one comma-separated string (handy for an environment variable).
    Each entry is validated here, so a typo fails at start-up, not at the first request.
    """

    __slots__ = ("_networks", "_header", "_peer_of", "_behind")

    def __init__(self, proxies: Iterable[str] = (), *, header: ForwardedHeader = "auto") -> None:
        if isinstance(proxies, str):
            proxies = [part for part in proxies.split(",") if part.strip()]
        self._networks: tuple[IPNetwork, ...] = tuple(_parse_network(entry) for entry in proxies)
        if header not in ("auto", "x-forwarded-for", "forwarded"):
            raise ConfigurationError(
                f"forwarding header {header!r} is not one of 'auto', 'x-forwarded-for', 'forwarded'"
            )
        self._header = header
        # Resolution is a pure function of the peer and two header values: parsing them costs
        # 3-14 µs, a bounded C-level LRU hit ~0.1 µs. Peers are cached apart from headers so
        # that headers an untrusted visitor makes up cannot churn the cache.
        self._peer_of: Callable[[str | None], ClientAddress] = functools.lru_cache(
            maxsize=_CACHE_SIZE
        )(self._classify_peer)
        self._behind: Callable[[str, str | None, str | None], ClientAddress] = (
            functools.lru_cache(maxsize=_CACHE_SIZE)(self._client_behind)
        )

    def __repr__(self) -> str:
        networks = ", ".join(str(network) for network in self._networks)
        return f"TrustedProxies([{networks}], header={self._header!r})"

    def trusts(self, address: IPAddress) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        return any(address in network for network in self._networks)

    def resolve(self, request: RequestInfo) -> ClientAddress:
        """The client behind the request.

        That is the ASGI peer, unless the peer is a trusted proxy: then it is the right-most
        forwarded address that is not itself trusted (everything left of it was written by
        parties we cannot vouch for). A hop that is ``unknown``, obfuscated or malformed ends
        the walk with an unknown client rather than reading further left, where a visitor
        could have planted any address. When every hop is trusted, the left-most one counts.
        """
        peer = self._peer_of(request.peer)
        if not peer.via_trusted_proxy or peer.ip is None:
            return peer
        headers = request.headers
        forwarded_for = headers.get("x-forwarded-for") if self._header != "forwarded" else None
        forwarded = headers.get("forwarded") if self._header != "x-forwarded-for" else None
        if not (forwarded_for or forwarded):
            return peer
        if len(forwarded_for or "") + len(forwarded or "") > _MAX_CACHED_HEADERS:
            return self._client_behind(peer.ip, forwarded_for, forwarded)
        return self._behind(peer.ip, forwarded_for, forwarded)

    def _classify_peer(self, peer: str | None) -> ClientAddress:
        address = parse_address(peer) if peer else None
        if address is None:
            return ClientAddress(None, via_trusted_proxy=False)
        return ClientAddress(str(address), via_trusted_proxy=self.trusts(address))

    def _client_behind(
        self, peer: str, forwarded_for: str | None, forwarded: str | None
    ) -> ClientAddress:
        chains = []
        if forwarded_for:
            chains.append(_parse_x_forwarded_for(forwarded_for))
        if forwarded:
            chains.append(_parse_forwarded_for(forwarded))
        clients = {self._client_of(chain) for chain in chains}
        if len(clients) > 1:
            logger.debug("X-Forwarded-For and Forwarded disagree (%s); client unknown", clients)
            return ClientAddress(None, via_trusted_proxy=True)
        return ClientAddress(clients.pop(), via_trusted_proxy=True)

    def _client_of(self, chain: list[IPAddress | None]) -> str | None:
        for hop in reversed(chain):
            if hop is None:
                return None
            if not self.trusts(hop):
                return str(hop)
        return str(chain[0])  # every hop is a trusted proxy: the request started inside


def is_secure(request: RequestInfo, address: ClientAddress) -> bool:
    """Whether the visitor used HTTPS: the scheme says so, or a trusted proxy does.

    Of ``X-Forwarded-Proto`` (or, without it, ``Forwarded: proto=``) only the right-most value
    counts: it was written by the proxy next to us, which saw how the request arrived.
    """
    if request.scheme in ("https", "wss"):
        return True
    if not address.via_trusted_proxy:
        return False
    forwarded_proto = request.headers.get("x-forwarded-proto")
    if forwarded_proto is not None:
        return forwarded_proto.rpartition(",")[2].strip().lower() == "https"
    forwarded = request.headers.get("forwarded")
    if forwarded is None:
        return False
    return _forwarded_parameter(forwarded.rpartition(",")[2], "proto").lower() == "https"


def parse_address(text: str) -> IPAddress | None:
    """One address as proxies write it, or ``None`` if it is not one.

    Accepts ``1.2.3.4``, ``1.2.3.4:8080``, ``2001:db8::1`` and ``[2001:db8::1]:4711``, and turns
    an IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) into the IPv4 address it carries.
    """
    text = text.strip()
    if not text or len(text) > _MAX_NODE_LENGTH:
        return None
    if text.startswith("["):
        host, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port[0] == ":" and port[1:].isdigit())):
            return None
        address = _ip_or_none(host)
        return _unmapped(address) if isinstance(address, ipaddress.IPv6Address) else None
    address = _ip_or_none(text)
    if address is None and text.count(":") == 1:
        host, _, port = text.partition(":")
        address = _ip_or_none(host) if port.isdigit() else None
        return address if isinstance(address, ipaddress.IPv4Address) else None
    return None if address is None else _unmapped(address)


def _parse_network(entry: object) -> IPNetwork:
    if not isinstance(entry, str):
        raise ConfigurationError(f"trusted proxy {entry!r} is not a string address or network")
    text = entry.strip()
    try:
        network = ipaddress.ip_network(text)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ConfigurationError(
                f"trusted proxy {entry!r} is not an IP address or network "
                "(write e.g. '10.0.0.1', '10.0.0.0/8' or '2001:db8::/32')"
            ) from None
        raise ConfigurationError(
            f"trusted proxy {entry!r} has host bits set; did you mean '{loose}'?"
        ) from None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:  # ::ffff:10.0.0.0/104 means 10.0.0.0/8, as peers are unmapped
            return ipaddress.IPv4Network(f"{mapped}/{network.prefixlen - 96}")
    return network


def _parse_x_forwarded_for(value: str) -> list[IPAddress | None]:
    return [parse_address(node) for node in value.split(",")]


def _parse_forwarded_for(value: str) -> list[IPAddress | None]:
    # RFC 7239 allows commas and semicolons inside quoted values, but no proxy puts them in
    # the ``for`` parameter, and a visitor who does so only garbles hops left of the ones
    # our proxies append: a plain split cannot move a planted address to the right.
    return [_forwarded_node(_forwarded_parameter(element, "for")) for element in value.split(",")]


def _forwarded_parameter(element: str, name: str) -> str:
    for pair in element.split(";"):
        key, _, value = pair.partition("=")
        if key.strip().lower() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace("\\", "")
            return value
    return ""


def _forwarded_node(node: str) -> IPAddress | None:
    # "unknown" and obfuscated identifiers ("_hidden") are not addresses: parse_address
    # rejects them, and so does it anything else a hop may have written.
    return parse_address(node) if node else None


def _ip_or_none(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
