"""``cheers context``: every attribute a request would show the rules, as one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from slots.attributes import NAMESPACES
from slots.errors import ConfigurationError

from .client_ip import TrustedProxies
from .context import RequestContext
from .device import DeviceProvider
from .geo import GeoProvider
from .localtime import TimeProvider
from .providers import AsyncContextProvider, ContextProvider
from .request import RequestInfo
from .visit import PageProvider, VisitProvider

__all__ = ["flatten", "print_context", "request_scope"]

_CONFIG_KEYS = frozenset({"geoip_db", "default_timezone", "trusted_proxies", "weather"})


def request_scope(
    *, ip: str | None, user_agent: str, headers: list[str], path: str
) -> dict[str, Any]:
    """An ASGI HTTP scope for a request from ``ip`` with these headers (``"Name: value"``)."""
    raw = [(b"user-agent", user_agent.encode("latin-1"))] if user_agent else []
    for header in headers:
        name, sep, value = header.partition(":")
        if not sep:
            raise SystemExit(f"cheers context: --header {header!r} should read 'Name: value'")
        raw.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
    path_part, _, query = path.partition("?")
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path_part,
        "query_string": query.encode("latin-1"),
        "headers": raw,
        "client": (ip, 50000) if ip else None,
    }


def flatten(attributes: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"geo": {"city": "London"}}`` -> ``{"geo.city": "London"}``; lists stay whole."""
    flat: dict[str, Any] = {}
    for key, value in attributes.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _load_config(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - _CONFIG_KEYS:
        unknown = sorted(set(data) - _CONFIG_KEYS) if isinstance(data, dict) else data
        raise ConfigurationError(
            f"{path}: unknown settings {unknown}; allowed: {sorted(_CONFIG_KEYS)}"
        )
    return data


async def _gather(args: argparse.Namespace) -> dict[str, Any]:
    config = _load_config(getattr(args, "config", None))
    geoip_db = args.geoip_db or config.get("geoip_db")
    proxies = TrustedProxies([*args.trusted_proxy, *config.get("trusted_proxies", [])])
    sync: dict[str, ContextProvider] = {
        "device": DeviceProvider(),
        "geo": GeoProvider(database=geoip_db),
        "time": TimeProvider(default_zone=config.get("default_timezone", args.timezone)),
        "visit": VisitProvider(),
        "page": PageProvider(),
    }
    asynchronous: dict[str, AsyncContextProvider] = {}
    weather = json.loads(args.weather) if args.weather else config.get("weather")
    if weather:
        from slots.weather import Weather

        from .weather import StaticWeather, WeatherProvider

        asynchronous["weather"] = WeatherProvider(StaticWeather(Weather(**weather)))
    now = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    if now.tzinfo is None:
        raise SystemExit(
            "cheers context: --at needs a time zone offset, e.g. 2026-11-22T08:30:00+00:00"
        )

    def resolve_client(request: RequestInfo) -> tuple[str | None, bool]:
        address = proxies.resolve(request)
        return address.ip, address.via_trusted_proxy

    scope = request_scope(
        ip=args.ip, user_agent=args.user_agent, headers=args.header, path=args.path
    )
    context = RequestContext(
        request=RequestInfo.from_scope(scope),
        now=now,
        resolve_client=resolve_client,
        sync_providers=sync,
        async_providers=asynchronous,
    )
    await context.prepare(asynchronous)
    return {
        name: dict(context.namespace(name))
        for name in NAMESPACES
        if name in sync or name in asynchronous
    }


def print_context(args: argparse.Namespace) -> int:
    attributes = asyncio.run(_gather(args))
    print(
        json.dumps(flatten(attributes), indent=2, sort_keys=True, ensure_ascii=False, default=str)
    )
    return 0
