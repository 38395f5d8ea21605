"""The geolocation context provider: where a client is, from a MaxMind database or CDN headers."""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal
from urllib.parse import unquote

import geoip2.database
import geoip2.errors
import geoip2.models
from maxminddb.errors import InvalidDatabaseError

from slots.errors import ConfigurationError

from .client_ip import IPAddress, parse_address
from .providers import ProviderContext

__all__ = ["GeoProvider"]

logger = logging.getLogger(__name__)

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})

#: Members of the European Union (since 2020-02-01), for ``in_eu`` when only a CDN names the
#: country; a database answer carries its own flag.
_EU_COUNTRIES: Final = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

#: Documentation ranges (RFC 5737, RFC 3849) are not global, but test and demo databases
#: (demo_site/geo) use them, so they are looked up like public addresses.
_DOCUMENTATION: Final = tuple(
    ipaddress.ip_network(network)
    for network in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)

_Kind = Literal["country", "code", "text", "url_text", "zone", "latitude", "longitude"]

#: The geolocation headers of each CDN. The first CDN with any of its headers present is
#: used alone: mixing fields from two sources could describe two places at once.
_CDN_HEADERS: Final[tuple[tuple[tuple[str, str, _Kind], ...], ...]] = (
    (  # Cloudflare (CF-IPCountry; the rest with "Add visitor location headers")
        ("cf-ipcountry", "country", "country"),
        ("cf-ipcontinent", "continent", "code"),
        ("cf-region-code", "region", "code"),
        ("cf-ipcity", "city", "text"),
        ("cf-postal-code", "postal", "text"),
        ("cf-timezone", "timezone", "zone"),
        ("cf-iplatitude", "latitude", "latitude"),
        ("cf-iplongitude", "longitude", "longitude"),
    ),
    (  # Amazon CloudFront (viewer location headers in the origin request policy)
        ("cloudfront-viewer-country", "country", "country"),
        ("cloudfront-viewer-country-name", "country_name", "text"),
        ("cloudfront-viewer-country-region", "region", "code"),
        ("cloudfront-viewer-city", "city", "text"),
        ("cloudfront-viewer-postal-code", "postal", "text"),
        ("cloudfront-viewer-time-zone", "timezone", "zone"),
        ("cloudfront-viewer-latitude", "latitude", "latitude"),
        ("cloudfront-viewer-longitude", "longitude", "longitude"),
    ),
    (  # Vercel (the city is URL-encoded)
        ("x-vercel-ip-country", "country", "country"),
        ("x-vercel-ip-continent", "continent", "code"),
        ("x-vercel-ip-country-region", "region", "code"),
        ("x-vercel-ip-city", "city", "url_text"),
        ("x-vercel-ip-postal-code", "postal", "text"),
        ("x-vercel-ip-timezone", "timezone", "zone"),
        ("x-vercel-ip-latitude", "latitude", "latitude"),
        ("x-vercel-ip-longitude", "longitude", "longitude"),
    ),
)

_ANY_CDN_HEADER: Final = frozenset(header for table in _CDN_HEADERS for header, _, _ in table)

# "XX" is Cloudflare's unknown, "T1" its Tor exit, "ZZ" the Unicode unknown region.
_NOT_COUNTRIES: Final = frozenset({"XX", "T1", "ZZ"})
_CODE: Final = re.compile(r"[A-Z0-9]{1,3}")
_ZONE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}")
_MAX_TEXT: Final = 128

_Lookup = Callable[[IPAddress], geoip2.models.Country]


class GeoProvider:
    """Computes the ``geo`` namespace for the client address.

    The database (GeoIP2/GeoLite2 City or Country, or any MMDB in their layout) is opened
    once, here; a path that cannot be opened raises :class:`ConfigurationError`. Lookups
    are cached by address. Private, loopback, link-local, reserved and unknown addresses
    give nothing, unless ``loopback_alias`` names an address to look up in their place
    (for a demo served on localhost). When the request came through a trusted proxy, CDN
    geolocation headers (Cloudflare, CloudFront, Vercel) win over the database for the
    fields they give; if they name another country the database's answer is dropped.
    A visitor can still send another CDN's headers through yours to move themselves, so
    never gate anything sensitive on geolocation.

    ``region`` is the subdivision part of the ISO 3166-2 code (``"WA"``, not ``"US-WA"``),
    as MaxMind and the CDNs give it: the most specific subdivision the source knows.
    """

    namespace: str = "geo"

    def __init__(
        self,
        *,
        database: str | os.PathLike[str] | None,
        cache_size: int = 65536,
        use_cdn_headers: bool = True,
        loopback_alias: str | None = None,
    ) -> None:
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ConfigurationError(
                f"GeoProvider cache_size must be a whole number >= 0, got {cache_size!r}"
            )
        self._alias = _parse_alias(loopback_alias)
        self._use_cdn_headers = use_cdn_headers
        self._reader: geoip2.database.Reader | None = None
        self._read: _Lookup | None = None
        if database is not None:
            self._reader, self._read = _open(database)
        # A C-level LRU keyed by the address text: a hit costs well under 0.1 µs.
        self._lookup: Callable[[str], Mapping[str, Any]] = functools.lru_cache(
            maxsize=cache_size
        )(self._look_up)

    def resolve(self, context: ProviderContext) -> Mapping[str, Any]:
        found = _EMPTY
        if context.client_ip and self._read is not None:
            found = self._lookup(context.client_ip)
        if self._use_cdn_headers and context.via_trusted_proxy:
            from_cdn = _from_cdn(context.request.headers)
            if from_cdn:
                return _merge(found, from_cdn)
        return found

    def locate(self, ip: str) -> Mapping[str, Any]:
        """The database's ``geo`` attributes for one address (cached; empty when unknown)."""
        return self._lookup(ip) if self._read is not None else _EMPTY

    def close(self) -> None:
        """Close the database; afterwards only CDN headers are used."""
        reader, self._reader, self._read = self._reader, None, None
        self._lookup.cache_clear()  # type: ignore[attr-defined]
        if reader is not None:
            reader.close()

    def _look_up(self, ip: str) -> Mapping[str, Any]:
        read = self._read
        address = parse_address(ip)
        if address is None or read is None:
            return _EMPTY
        if not (address.is_global or any(address in net for net in _DOCUMENTATION)):
            if self._alias is None:
                return _EMPTY
            address = self._alias
        try:
            model = read(address)
        except geoip2.errors.AddressNotFoundError:
            return _EMPTY
        except (ValueError, geoip2.errors.GeoIP2Error, InvalidDatabaseError) as error:
            logger.warning("GeoIP lookup of %s failed: %s", address, error)
            return _EMPTY
        return MappingProxyType(_record(model))


def _open(database: str | os.PathLike[str]) -> tuple[geoip2.database.Reader, _Lookup]:
    path = os.fspath(database)
    try:
        reader = geoip2.database.Reader(path)
    except (OSError, ValueError, InvalidDatabaseError) as error:
        raise ConfigurationError(
            f"cannot open the GeoIP database {path!r}: {error} "
            "(give the path of a GeoIP2/GeoLite2 City or Country .mmdb file, or None)"
        ) from error
    kind = reader.metadata().database_type
    for marker, read in (
        ("Enterprise", reader.enterprise),
        ("City", reader.city),
        ("Country", reader.country),
    ):
        if marker in kind:
            return reader, read
    reader.close()
    raise ConfigurationError(
        f"the GeoIP database {path!r} is of type {kind!r}; "
        "Cheers reads City and Country databases only"
    )


def _parse_alias(alias: str | None) -> IPAddress | None:
    if alias is None:
        return None
    address = parse_address(alias)
    if address is None:
        raise ConfigurationError(f"loopback_alias {alias!r} is not an IP address")
    if not (address.is_global or any(address in net for net in _DOCUMENTATION)):
        raise ConfigurationError(
            f"loopback_alias {alias!r} is itself private; give a public or documentation "
            "address that the database knows (e.g. '203.0.113.10' for the demo database)"
        )
    return address


def _record(model: geoip2.models.Country) -> dict[str, Any]:
    record: dict[str, Any] = {}
    country = model.country
    _put(record, "country", country.iso_code)
    _put(record, "country_name", country.name)
    _put(record, "continent", model.continent.code)
    if country.iso_code:
        record["in_eu"] = bool(country.is_in_european_union)
    if isinstance(model, geoip2.models.City):
        _put(record, "region", model.subdivisions.most_specific.iso_code)
        _put(record, "city", model.city.name)
        _put(record, "postal", model.postal.code)
        _put(record, "timezone", model.location.time_zone)
        _put(record, "latitude", model.location.latitude)
        _put(record, "longitude", model.location.longitude)
    return record


def _put(record: dict[str, Any], name: str, value: object) -> None:
    if value is not None and value != "":
        record[name] = value


def _from_cdn(headers: Mapping[str, str]) -> dict[str, Any]:
    if _ANY_CDN_HEADER.isdisjoint(headers):  # the common case, in one C-level pass
        return {}
    for table in _CDN_HEADERS:
        record: dict[str, Any] = {}
        for header, name, kind in table:
            raw = headers.get(header)
            if raw is not None:
                value = _cdn_value(raw, kind)
                if value is not None:
                    record[name] = value
        if record:
            if "country" in record:
                record["in_eu"] = record["country"] in _EU_COUNTRIES
            return record
    return {}


def _cdn_value(raw: str, kind: _Kind) -> str | float | None:
    """One header value checked for its kind; ``None`` when it is absent or malformed."""
    text = _as_utf8(raw).strip()
    if kind in ("latitude", "longitude"):
        limit = 90.0 if kind == "latitude" else 180.0
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) and -limit <= number <= limit else None
    if kind == "country":
        code = text.upper()
        is_country = len(code) == 2 and code.isascii() and code.isalpha()
        return code if is_country and code not in _NOT_COUNTRIES else None
    if kind == "code":
        code = text.upper()
        return code if _CODE.fullmatch(code) else None
    if kind == "zone":
        return text if len(text) <= 64 and _ZONE.fullmatch(text) else None
    if kind == "url_text":
        text = unquote(text).strip()
    return text if 0 < len(text) <= _MAX_TEXT and text.isprintable() else None


def _as_utf8(raw: str) -> str:
    # Headers arrive decoded as latin-1 (RequestInfo); a CDN that sends UTF-8 bytes
    # ("São Paulo") would otherwise show up as mojibake.
    if raw.isascii():
        return raw
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


def _merge(found: Mapping[str, Any], from_cdn: Mapping[str, Any]) -> Mapping[str, Any]:
    country = from_cdn.get("country")
    if country is not None and found.get("country") not in (None, country):
        return MappingProxyType(dict(from_cdn))
    return MappingProxyType({**found, **from_cdn})
