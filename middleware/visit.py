"""The ``visit`` and ``page`` namespaces: where the visitor came from and which page they want."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from .providers import ProviderContext

__all__ = ["PageProvider", "VisitProvider", "parse_accept_language"]

_UTM_KEYS: Final = ("utm_source", "utm_medium", "utm_campaign")
# Enough for any real browser; a longer header is someone's test, not a preference list.
_MAX_LANGUAGE_ENTRIES: Final = 32
# A BCP 47 tag whose primary subtag is an ISO 639 code (2-3 letters), then other subtags.
_LANGUAGE_TAG: Final = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_QUALITY: Final = re.compile(r"q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")
# Accept-Language values repeat across visitors; parsing one costs ~5 µs, a dict hit ~0.1 µs.
# Bounded in count and in key length because the header is whatever a client sends.
_MAX_CACHED_LANGUAGES: Final = 4096
_MAX_CACHED_HEADER: Final = 256


def parse_accept_language(header: str) -> list[str]:
    """The primary language subtags of an ``Accept-Language`` header, most preferred first.

    ``"en-GB,en;q=0.9,fr;q=0.8"`` gives ``["en", "fr"]``: lower-case, duplicates dropped,
    ordered by quality (stable for equal quality). ``*``, ``q=0``, malformed entries and
    malformed quality values are skipped.
    """
    weighted: list[tuple[float, str]] = []
    for entry in header.split(",", _MAX_LANGUAGE_ENTRIES)[:_MAX_LANGUAGE_ENTRIES]:
        tag, _, parameters = entry.partition(";")
        tag = tag.strip().lower()
        if not _LANGUAGE_TAG.fullmatch(tag):
            continue
        quality = 1.0
        if parameters:
            match = _QUALITY.fullmatch(parameters.strip().lower().replace(" ", ""))
            if match is None:
                continue
            quality = float(match.group(1))
        if quality > 0:
            weighted.append((quality, tag.partition("-")[0]))
    weighted.sort(key=lambda pair: -pair[0])
    return list(dict.fromkeys(primary for _, primary in weighted))


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # e.g. an unbalanced "[" in an IPv6 literal
        return None
    return host or None  # hostname is already lower-case and without the port


def _own_hosts(context: ProviderContext) -> set[str]:
    headers = context.request.headers
    hosts = {headers.get("host", "")}
    if context.via_trusted_proxy:
        # With several proxies the first value is the one the visitor asked for.
        hosts.add(headers.get("x-forwarded-host", "").split(",")[0])
    return {host for host in (_host_of(f"//{value.strip()}") for value in hosts) if host}


def _is_https(context: ProviderContext) -> bool:
    request = context.request
    if context.via_trusted_proxy:
        forwarded = request.headers.get("x-forwarded-proto")
        if forwarded:
            return forwarded.split(",")[0].strip().lower() == "https"
    return request.scheme.lower() in ("https", "wss")


def _first_values(query_string: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        values.setdefault(key, value)
    return values


class VisitProvider:
    """Computes ``visit.*``: referrer host, UTM tags, languages and whether the page is HTTPS.

    ``referrer_host`` is left out for links from this site itself (the ``Host`` header, or
    ``X-Forwarded-Host`` behind a trusted proxy); ``www.example.com`` and ``example.com`` count
    as different hosts. UTM values are kept as sent (trimmed; empty ones left out).
    ``languages`` holds primary subtags (``en``, not ``en-GB``) so rules need not list every
    region. ``X-Forwarded-Proto`` decides ``is_https`` only behind a trusted proxy.
    """

    namespace = "visit"

    def __init__(self) -> None:
        self._languages: dict[str, tuple[str, ...]] = {}

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        request = context.request
        attributes: dict[str, Any] = {"is_https": _is_https(context)}
        referrer = request.headers.get("referer")
        host = _host_of(referrer) if referrer else None
        if host is not None and host not in _own_hosts(context):
            attributes["referrer_host"] = host
        if "utm_" in request.query_string:
            query = _first_values(request.query_string)
            for key in _UTM_KEYS:
                value = query.get(key, "").strip()
                if value:
                    attributes[key] = value
        languages = self._languages_of(request.headers.get("accept-language", ""))
        if languages:
            attributes["language"] = languages[0]
            attributes["languages"] = list(languages)
        return attributes

    def _languages_of(self, header: str) -> tuple[str, ...]:
        languages = self._languages.get(header)
        if languages is None:
            languages = tuple(parse_accept_language(header))
            if len(header) <= _MAX_CACHED_HEADER and len(self._languages) < _MAX_CACHED_LANGUAGES:
                self._languages[header] = languages
        return languages


class PageProvider:
    """Computes ``page.*``: the path, and the query string's first value for each name."""

    namespace = "page"

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        request = context.request
        return {"path": request.path, "query": _first_values(request.query_string)}
