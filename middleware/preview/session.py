"""A persona's request: the scope, overrides, instant and profile a page is previewed with."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode
from zoneinfo import ZoneInfo

from slots.personas import LocalInstant, Persona, PersonaBook, load_personas

from ..asgi import PreviewSession

__all__ = ["PREVIEW_COOKIE", "clean_scope", "persona_session", "read_personas", "zone_exists"]

#: The cookie that carries a preview token (only under the console's path).
PREVIEW_COOKIE: Final = "cheers_preview"

# A persona with its own address must not be moved back by the real request's proxy or CDN
# headers (the context reads those behind a trusted proxy).
_ADDRESS_HEADERS: Final = frozenset(
    {"forwarded", "x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip"}
)
_CDN_GEO_PREFIXES: Final = (
    "cf-ip",
    "cf-region",
    "cf-postal",
    "cf-timezone",
    "cloudfront-viewer-",
    "x-vercel-ip-",
)
_UTM: Final = {"source": "utm_source", "medium": "utm_medium", "campaign": "utm_campaign"}
# Keys the console's router and the middleware put in a scope; the app must not see them
# (its own router would take the console's for its own).
_CONSOLE_KEYS: Final = (
    "personalization",
    "path_params",
    "endpoint",
    "router",
    "route_root_path",
    "cheers.preview_grant",
)


def zone_exists(name: str) -> bool:
    """Whether ``name`` is a time zone this system knows (IANA)."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True


def read_personas(path: str | os.PathLike[str]) -> PersonaBook:
    """Load and check a personas file; :class:`~slots.errors.PolicyErrors` if it is wrong."""
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    return load_personas(text, filename=str(file), zone_exists=zone_exists)


def _zone(at: LocalInstant) -> tzinfo:
    if at.zone is not None:
        return ZoneInfo(at.zone)
    return timezone(at.offset) if at.offset is not None else UTC


def persona_session(
    persona: Persona,
    scope: Mapping[str, Any],
    *,
    path: str,
    query_string: bytes = b"",
    now: datetime,
) -> PreviewSession:
    """The request ``scope`` for ``path`` as ``persona`` would send it, with the persona's
    overrides, instant (``now`` unless it sets ``at``) and profile.

    The preview cookie is taken out of the Cookie header; every other cookie stays, so the
    app's own state (a basket) works in preview. ``path`` is the page's path under the
    scope's ``root_path``.
    """
    instant = persona.at.instant(tz=_zone(persona.at), now=now) if persona.at is not None else now
    new_scope = clean_scope(scope)
    query = _query(persona, query_string)
    root = scope.get("root_path", "")
    new_scope.update(
        path=root + path,
        raw_path=quote(root + path, safe="/:@!$&'()*+,;=-._~").encode("ascii"),
        query_string=query,
        headers=_headers(persona, new_scope["headers"]),
    )
    if persona.ip is not None:
        new_scope["client"] = (persona.ip, 0)
    profile = persona.profile(now=instant)
    return PreviewSession(
        new_scope,
        overrides=persona.overrides(),
        now=instant,
        profile=profile,
        visitor_id=f"persona-{persona.name}",  # stable: a persona always lands in one variant
    )


def clean_scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``scope`` for the app: no preview cookie, none of the console's own keys."""
    new_scope = {key: value for key, value in scope.items() if key not in _CONSOLE_KEYS}
    headers: list[tuple[bytes, bytes]] = []
    for name, value in scope.get("headers", ()):
        if name.lower() == b"cookie":
            value = _without_preview_cookie(value)
            if not value:
                continue
        headers.append((name, value))
    new_scope["headers"] = headers
    return new_scope


def _query(persona: Persona, query_string: bytes) -> bytes:
    utm = {_UTM[key]: value for key, value in persona.request.utm.items()}
    if not utm:
        return query_string
    pairs = [
        (k, v)
        for k, v in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        if k not in utm
    ]
    return urlencode([*pairs, *utm.items()]).encode("latin-1")


def _persona_headers(persona: Persona) -> dict[str, str | None]:
    """Headers the persona sets (``None``: removed), by lower-case name."""
    signals, consent = persona.request, persona.consent
    headers: dict[str, str | None] = {}
    if persona.user_agent is not None:
        headers["user-agent"] = persona.user_agent
    if signals.language is not None:
        headers["accept-language"] = signals.language
    if signals.referrer is not None:
        headers["referer"] = signals.referrer
    for name, flag in (("sec-gpc", consent.gpc), ("dnt", consent.dnt)):
        if flag is not None:
            headers[name] = "1" if flag else None
    headers.update({name.lower(): value for name, value in signals.headers.items()})
    return headers


def _headers(persona: Persona, raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    replaced = _persona_headers(persona)
    kept: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        lower = name.decode("latin-1").lower()
        if lower in replaced or (persona.ip is not None and _is_address_header(lower)):
            continue
        kept.append((name, value))
    kept += [
        (name.encode("latin-1"), value.encode("latin-1", "replace"))
        for name, value in replaced.items()
        if value is not None
    ]
    return kept


def _is_address_header(name: str) -> bool:
    return name in _ADDRESS_HEADERS or name.startswith(_CDN_GEO_PREFIXES)


def _without_preview_cookie(header: bytes) -> bytes:
    pairs = [pair.strip() for pair in header.split(b";")]
    prefix = PREVIEW_COOKIE.encode("ascii") + b"="
    return b"; ".join(pair for pair in pairs if pair and not pair.startswith(prefix))
