"""The protocols that context providers implement.

A provider computes one namespace of attributes (``device``, ``geo``, ``time``, ...) from
the request, the clock and, where it needs them, other namespaces. Providers return plain
mappings of attribute name (without the namespace prefix) to value, and leave a fact out
when they do not know it: a condition on a missing attribute is false, so the slot keeps its
default instead of acting on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from .request import RequestInfo

__all__ = ["AsyncContextProvider", "ContextProvider", "ProviderContext"]


class ProviderContext(Protocol):
    """What a provider may read while it computes its namespace."""

    @property
    def request(self) -> RequestInfo: ...

    @property
    def now(self) -> datetime:
        """The instant of the request, timezone-aware (UTC unless a persona set another)."""

    @property
    def client_ip(self) -> str | None:
        """The client's address after trusted-proxy resolution, or ``None``."""

    @property
    def via_trusted_proxy(self) -> bool:
        """Whether the request came through a trusted proxy (so its CDN headers count)."""

    def namespace(self, name: str) -> Mapping[str, Any]:
        """Another synchronous namespace, computed on first use and memoised per request."""


class ContextProvider(Protocol):
    """A provider that computes its namespace synchronously and cheaply (cache it if not)."""

    namespace: str

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]: ...


class AsyncContextProvider(Protocol):
    """A provider that does I/O (weather, stores); it keeps its own time budget and returns an
    empty mapping rather than raise when its source fails."""

    namespace: str

    async def resolve(self, context: ProviderContext) -> Mapping[str, Any]: ...
