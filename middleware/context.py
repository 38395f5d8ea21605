"""The per-request context: attribute namespaces computed lazily, at most once each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from .providers import AsyncContextProvider, ContextProvider
from .request import RequestInfo

__all__ = ["ClientResolver", "LazyAttributes", "RequestContext"]

logger = logging.getLogger("cheers.context")

#: Resolves the client address of a request: (ip or None, came through a trusted proxy).
ClientResolver = Callable[[RequestInfo], tuple[str | None, bool]]

_EMPTY: Mapping[str, Any] = {}


class RequestContext:
    """Everything providers and conditions may read about one request.

    Synchronous namespaces are computed on first read; asynchronous ones (weather, the
    stored profile) only by :meth:`prepare`, which the middleware awaits for the namespaces
    the slots on the page need. ``overrides`` (a persona's, in preview) are merged over what
    the providers compute, attribute by attribute.
    """

    __slots__ = (
        "_request",
        "_now",
        "_client",
        "_resolve_client",
        "_sync",
        "_async",
        "_overrides",
        "_values",
        "_segments",
        "attributes",
    )

    def __init__(
        self,
        *,
        request: RequestInfo,
        now: datetime,
        resolve_client: ClientResolver,
        sync_providers: Mapping[str, ContextProvider],
        async_providers: Mapping[str, AsyncContextProvider],
        overrides: Mapping[str, Mapping[str, Any]] = _EMPTY,
    ) -> None:
        self._request = request
        self._now = now
        self._client: tuple[str | None, bool] | None = None
        self._resolve_client = resolve_client
        self._sync = sync_providers
        self._async = async_providers
        self._overrides = overrides
        self._values: dict[str, Mapping[str, Any]] = {}
        self.attributes = LazyAttributes(self)

    @property
    def request(self) -> RequestInfo:
        return self._request

    @property
    def now(self) -> datetime:
        return self._now

    def _client_address(self) -> tuple[str | None, bool]:
        if self._client is None:
            self._client = self._resolve_client(self._request)
        return self._client

    @property
    def client_ip(self) -> str | None:
        return self._client_address()[0]

    @property
    def via_trusted_proxy(self) -> bool:
        return self._client_address()[1]

    def is_resolved(self, name: str) -> bool:
        return name in self._values

    def forget(self, *names: str) -> None:
        """Drop computed namespaces, so they are computed again (after a visitor switch)."""
        for name in names:
            self._values.pop(name, None)

    def is_ready(self, name: str) -> bool:
        """Whether reading ``name`` now gives its final value: it is resolved, or it is an
        asynchronous namespace with no provider configured (it is simply absent)."""
        return name in self._values or name not in self._async

    def namespace(self, name: str) -> Mapping[str, Any]:
        """The attributes of one namespace; an asynchronous one not yet prepared is empty."""
        values = self._values.get(name)
        if values is not None:
            return values
        provider = self._sync.get(name)
        computed: Mapping[str, Any] = _EMPTY
        if provider is not None:
            try:
                computed = provider.resolve(self)
            except Exception:  # a provider bug must not break the page: the namespace is absent
                logger.exception("context provider %r failed; its attributes are absent", name)
        elif name in self._async:
            return self._merge(name, _EMPTY)
        return self.provide(name, computed)

    def provide(self, name: str, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """Set a namespace's computed values (overrides still win) and return the result."""
        merged = self._merge(name, values)
        self._values[name] = merged
        return merged

    def _merge(self, name: str, values: Mapping[str, Any]) -> Mapping[str, Any]:
        override = self._overrides.get(name)
        return {**values, **override} if override else values

    async def prepare(self, names: Iterable[str]) -> None:
        """Resolve the asynchronous namespaces among ``names``, concurrently."""
        pending = [n for n in names if n in self._async and n not in self._values]
        if not pending:
            return
        results = await asyncio.gather(
            *(self._async[name].resolve(self) for name in pending), return_exceptions=True
        )
        for name, result in zip(pending, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                logger.warning(
                    "context provider %r failed: %r; its attributes are absent", name, result
                )
                result = _EMPTY
            self.provide(name, result)


class LazyAttributes(Mapping[str, Any]):
    """The nested attribute mapping conditions read; each namespace is computed on access.

    ``segments`` is deliberately not here: the core works out the segments a slot needs when
    it decides that slot, after the namespaces they read have been prepared."""

    __slots__ = ("_context", "_values")

    def __init__(self, context: RequestContext) -> None:
        self._context = context
        self._values = context._values  # read directly: conditions read it for every path

    def __getitem__(self, key: str) -> Any:
        if key == "segments":
            raise KeyError(key)
        return self._values.get(key) or self._context.namespace(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key == "segments":
            return default
        return self._values.get(key) or self._context.namespace(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key != "segments"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
