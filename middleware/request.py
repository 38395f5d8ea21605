"""The facts of one HTTP request that context providers read, taken from the ASGI scope once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RequestInfo"]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """An immutable view of the request: header names are lower-case; repeated headers are
    joined with ``", "`` (as RFC 9110 allows for list-valued fields) except ``cookie``, joined
    with ``"; "``. ``peer`` is the ASGI ``client`` host (``None`` when the server gave none).
    """

    method: str
    scheme: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    peer: str | None

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any]) -> RequestInfo:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name in headers:
                separator = "; " if name == "cookie" else ", "
                headers[name] = headers[name] + separator + value
            else:
                headers[name] = value
        client = scope.get("client")
        return cls(
            method=scope.get("method", "GET"),
            scheme=scope.get("scheme", "http"),
            path=scope.get("path", "/"),
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            peer=client[0] if client else None,
        )

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")
