"""Consent: whether anything about this visitor may be stored."""

from __future__ import annotations

from dataclasses import dataclass

from .identity import read_cookie
from .request import RequestInfo

__all__ = ["ConsentSettings", "allows_storage"]


@dataclass(frozen=True, slots=True)
class ConsentSettings:
    """Which signals withhold consent.

    ``honor_gpc`` and ``honor_dnt``: ``Sec-GPC: 1`` / ``DNT: 1`` withhold it. With
    ``cookie`` set, consent mode is on: storage needs that cookie with one of
    ``granted_values``; without the cookie nothing is stored.
    """

    honor_gpc: bool = True
    honor_dnt: bool = True
    cookie: str | None = None
    granted_values: frozenset[str] = frozenset({"1", "true", "yes", "granted", "all"})


def allows_storage(request: RequestInfo, settings: ConsentSettings) -> bool:
    """Whether this request may set the identity cookie and write to the visitor's profile.

    Without consent, personalization still works from the context alone (device, place,
    time, weather): it just remembers nothing.
    """
    headers = request.headers
    if settings.honor_gpc and headers.get("sec-gpc", "").strip() == "1":
        return False
    if settings.honor_dnt and headers.get("dnt", "").strip() == "1":
        return False
    if settings.cookie is not None:
        value = read_cookie(headers.get("cookie"), settings.cookie)
        return value is not None and value.strip().lower() in settings.granted_values
    return True
