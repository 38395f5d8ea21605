"""Tests for middleware/geo.py (the geo provider) and the demo database in demo_site/geo."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from demo_site.geo.build_geo_db import CSV_PATH, MMDB_PATH, build, read_cities
from middleware.geo import GeoProvider
from middleware.request import RequestInfo
from slots.errors import ConfigurationError

# From corpora/maxmind/SOURCE.md: ip, country, city, time zone, (lat, lon), subdivision.
CITY_TEST_ROWS = [
    ("81.2.69.142", "GB", "London", "Europe/London", (51.5142, -0.0931), "ENG"),
    ("81.2.69.160", "GB", "London", "Europe/London", (51.5142, -0.0931), "ENG"),
    ("2.125.160.216", "GB", "Boxford", "Europe/London", (51.75, -1.25), "WBK"),
    ("89.160.20.112", "SE", "Linköping", "Europe/Stockholm", (58.4167, 15.6167), "E"),
    ("89.160.20.128", "SE", "Linköping", "Europe/Stockholm", (58.4167, 15.6167), "E"),
    ("216.160.83.56", "US", "Milton", "America/Los_Angeles", (47.2513, -122.3149), "WA"),
    ("175.16.199.0", "CN", "Changchun", "Asia/Harbin", (43.88, 125.3228), "22"),
    ("214.78.120.1", "US", "San Diego", "America/Los_Angeles", (32.7405, -117.0935), "CA"),
    ("2001:480:10::1", "US", "San Diego", "America/Los_Angeles", (32.7203, -117.1552), "CA"),
    ("2001:218::1", "JP", None, "Asia/Tokyo", (35.68536, 139.75309), None),
]
NOT_FOUND = ["1.1.1.1", "8.8.8.8"]
NOT_PUBLIC = [
    "127.0.0.1", "10.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "169.254.1.1",
    "240.0.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
]
JUNK = ["", "not-an-ip", "999.1.1.1", "1.2.3.4.5", "[::1]"]


@dataclass(frozen=True)
class FakeContext:
    request: RequestInfo
    client_ip: str | None = None
    via_trusted_proxy: bool = False
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def namespace(self, name: str) -> Mapping[str, Any]:
        return {}


def context_for(
    ip: str | None, headers: dict[str, str] | None = None, *, via_trusted_proxy: bool = False
) -> FakeContext:
    request = RequestInfo(
        method="GET", scheme="http", path="/", query_string="", headers=headers or {}, peer=ip
    )
    return FakeContext(request=request, client_ip=ip, via_trusted_proxy=via_trusted_proxy)


@pytest.fixture(scope="module")
def city_db(corpora: Path) -> Path:
    return corpora / "maxmind" / "GeoIP2-City-Test.mmdb"


@pytest.fixture
def city(city_db: Path) -> Iterator[GeoProvider]:
    provider = GeoProvider(database=city_db)
    yield provider
    provider.close()


@pytest.fixture
def no_database() -> GeoProvider:
    return GeoProvider(database=None)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("ip", "country", "city_name", "zone", "location", "region"), CITY_TEST_ROWS
)
def test_geo_provider_reads_the_city_test_database(
    city: GeoProvider,
    ip: str,
    country: str,
    city_name: str | None,
    zone: str,
    location: tuple[float, float],
    region: str | None,
) -> None:
    found = city.resolve(context_for(ip))
    assert found["country"] == country
    assert found.get("city") == city_name
    assert found["timezone"] == zone
    assert (found["latitude"], found["longitude"]) == pytest.approx(location)
    assert found.get("region") == region
    assert city.namespace == "geo"


@pytest.mark.corpus
def test_geo_provider_gives_every_field_for_a_full_record(city: GeoProvider) -> None:
    assert dict(city.locate("81.2.69.142")) == {
        "country": "GB", "country_name": "United Kingdom", "continent": "EU", "in_eu": False,
        "region": "ENG", "city": "London", "timezone": "Europe/London",
        "latitude": 51.5142, "longitude": -0.0931,
    }
    melbourne = city.locate("214.0.1.5")
    assert (melbourne["country"], melbourne["city"], melbourne["timezone"]) == (
        "AU", "Melbourne", "Australia/Melbourne"
    )
    assert city.locate("89.160.20.112")["in_eu"] is True


@pytest.mark.corpus
@pytest.mark.parametrize("ip", [*NOT_FOUND, *NOT_PUBLIC, *JUNK, None])
def test_geo_provider_gives_nothing_for_unknown_and_private_addresses(
    city: GeoProvider, ip: str | None
) -> None:
    assert dict(city.resolve(context_for(ip))) == {}


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb"])
def test_geo_provider_reads_a_country_database(corpora: Path, name: str) -> None:
    provider = GeoProvider(database=corpora / "maxmind" / name)
    for ip, country, *_ in CITY_TEST_ROWS:
        found = provider.locate(ip)
        if name.startswith("GeoLite2") and ip in ("175.16.199.0", "214.78.120.1"):
            assert dict(found) == {}
            continue
        assert found["country"] == country
        assert {"country_name", "continent", "in_eu"} <= found.keys()
        assert not {"city", "region", "postal", "timezone", "latitude", "longitude"} & found.keys()
    provider.close()


@pytest.mark.corpus
def test_geo_provider_reads_geolite2_city(corpora: Path) -> None:
    provider = GeoProvider(database=corpora / "maxmind" / "GeoLite2-City-Test.mmdb")
    assert provider.locate("89.160.20.112")["city"] == "Linköping"
    assert dict(provider.locate("214.78.120.1")) == {}
    provider.close()


@pytest.mark.corpus
def test_geo_provider_looks_up_loopback_as_the_alias(city_db: Path) -> None:
    provider = GeoProvider(database=city_db, loopback_alias="81.2.69.142")
    for ip in ("127.0.0.1", "::1", "10.1.2.3"):
        assert provider.locate(ip)["city"] == "London"
    assert provider.locate("216.160.83.56")["city"] == "Milton"  # a public address is itself
    provider.close()


@pytest.mark.parametrize(
    ("alias", "message"),
    [("localhost", "'localhost' is not an IP address"), ("127.0.0.1", "is itself private")],
)
def test_geo_provider_rejects_a_bad_loopback_alias(alias: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        GeoProvider(database=None, loopback_alias=alias)


def test_geo_provider_missing_database_error_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "GeoLite2-City.mmdb"
    with pytest.raises(ConfigurationError) as caught:
        GeoProvider(database=missing)
    assert str(missing) in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"not a database\n"])
def test_geo_provider_unreadable_database_error_names_the_path(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken.mmdb"
    path.write_bytes(content)
    with pytest.raises(ConfigurationError) as caught:
        GeoProvider(database=str(path))
    assert str(path) in str(caught.value)


def test_geo_provider_rejects_a_database_that_is_neither_city_nor_country(tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(database_type="GeoLite2-ASN", languages=["en"], description="asn")
    writer.insert_network(IPSet(["192.0.2.0/24"]), {"autonomous_system_number": 64496})
    path = tmp_path / "asn.mmdb"
    writer.to_db_file(str(path))
    with pytest.raises(ConfigurationError, match="'GeoLite2-ASN'; Cheers reads City and Country"):
        GeoProvider(database=path)


@pytest.mark.parametrize("cache_size", [-1, 2.5, False])
def test_geo_provider_rejects_bad_cache_size(cache_size: Any) -> None:
    with pytest.raises(ConfigurationError, match="cache_size"):
        GeoProvider(database=None, cache_size=cache_size)


def test_geo_provider_without_database_gives_nothing(no_database: GeoProvider) -> None:
    assert dict(no_database.resolve(context_for("81.2.69.142"))) == {}


@pytest.mark.corpus
def test_geo_provider_caches_lookups_within_a_bound_until_closed(city_db: Path) -> None:
    provider = GeoProvider(database=city_db, cache_size=1)
    london = provider.locate("81.2.69.142")
    assert provider.locate("81.2.69.142") is london
    provider.locate("216.160.83.56")  # evicts London
    assert provider.locate("81.2.69.142") is not london
    provider.close()
    provider.close()  # closing twice is harmless; afterwards the database is not read
    assert dict(provider.resolve(context_for("81.2.69.142"))) == {}


CLOUDFRONT = {
    "cloudfront-viewer-country": "US",
    "cloudfront-viewer-country-name": "United States",
    "cloudfront-viewer-country-region": "MI",
    "cloudfront-viewer-city": "Ann Arbor",
    "cloudfront-viewer-postal-code": "48105",
    "cloudfront-viewer-time-zone": "America/Detroit",
    "cloudfront-viewer-latitude": "42.30680",
    "cloudfront-viewer-longitude": "-83.70590",
}


def test_geo_provider_reads_cloudfront_headers_from_a_trusted_proxy(
    no_database: GeoProvider,
) -> None:
    found = no_database.resolve(context_for("203.0.113.7", CLOUDFRONT, via_trusted_proxy=True))
    assert dict(found) == {
        "country": "US", "country_name": "United States", "region": "MI", "city": "Ann Arbor",
        "postal": "48105", "timezone": "America/Detroit", "latitude": 42.3068,
        "longitude": -83.7059, "in_eu": False,
    }


def test_geo_provider_ignores_cdn_headers_from_an_untrusted_peer(no_database: GeoProvider) -> None:
    found = no_database.resolve(context_for("203.0.113.7", CLOUDFRONT, via_trusted_proxy=False))
    assert dict(found) == {}


def test_geo_provider_ignores_cdn_headers_when_told_to() -> None:
    provider = GeoProvider(database=None, use_cdn_headers=False)
    context = context_for("203.0.113.7", CLOUDFRONT, via_trusted_proxy=True)
    assert dict(provider.resolve(context)) == {}


def test_geo_provider_reads_cloudflare_headers(no_database: GeoProvider) -> None:
    headers = {"cf-ipcountry": "de", "cf-ipcity": "Berlin", "cf-timezone": "Europe/Berlin"}
    found = no_database.resolve(context_for(None, headers, via_trusted_proxy=True))
    assert dict(found) == {
        "country": "DE", "city": "Berlin", "timezone": "Europe/Berlin", "in_eu": True
    }


@pytest.mark.parametrize("code", ["XX", "T1", "ZZ", "USA", "1", ""])
def test_geo_provider_ignores_cloudflare_non_countries(no_database: GeoProvider, code: str) -> None:
    found = no_database.resolve(context_for(None, {"cf-ipcountry": code}, via_trusted_proxy=True))
    assert dict(found) == {}


def test_geo_provider_url_decodes_the_vercel_city(no_database: GeoProvider) -> None:
    headers = {
        "x-vercel-ip-country": "BR",
        "x-vercel-ip-country-region": "SP",
        "x-vercel-ip-city": "S%C3%A3o%20Paulo",
        "x-vercel-ip-latitude": "-23.5475",
        "x-vercel-ip-longitude": "-46.6361",
        "x-vercel-ip-timezone": "America/Sao_Paulo",
    }
    found = no_database.resolve(context_for(None, headers, via_trusted_proxy=True))
    assert found["city"] == "São Paulo"
    assert (found["region"], found["latitude"], found["timezone"]) == (
        "SP", -23.5475, "America/Sao_Paulo"
    )


def test_geo_provider_repairs_utf8_header_bytes_read_as_latin1(no_database: GeoProvider) -> None:
    mojibake = "Linköping".encode().decode("latin-1")
    headers = {"cf-ipcountry": "SE", "cf-ipcity": mojibake}
    assert no_database.resolve(context_for(None, headers, via_trusted_proxy=True))["city"] == (
        "Linköping"
    )


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("cloudfront-viewer-latitude", "91"),
        ("cloudfront-viewer-latitude", "nan"),
        ("cloudfront-viewer-longitude", "-180.5"),
        ("cloudfront-viewer-longitude", "west"),
        ("cloudfront-viewer-time-zone", "../../etc/passwd"),
        ("cloudfront-viewer-country-region", "Michigan!"),
        ("cloudfront-viewer-city", "x" * 500),
        ("cloudfront-viewer-city", "Ann\nArbor"),
    ],
)
def test_geo_provider_drops_malformed_cdn_values(
    no_database: GeoProvider, header: str, value: str
) -> None:
    headers = {"cloudfront-viewer-country": "US", header: value}
    found = no_database.resolve(context_for(None, headers, via_trusted_proxy=True))
    assert dict(found) == {"country": "US", "in_eu": False}


@pytest.mark.corpus
def test_geo_provider_cdn_headers_win_over_the_database(city: GeoProvider) -> None:
    headers = {"cf-ipcountry": "GB", "cf-ipcity": "Manchester"}
    found = city.resolve(context_for("81.2.69.142", headers, via_trusted_proxy=True))
    assert (found["country"], found["city"], found["timezone"]) == (
        "GB", "Manchester", "Europe/London"
    )


@pytest.mark.corpus
def test_geo_provider_drops_the_database_when_the_cdn_names_another_country(
    city: GeoProvider,
) -> None:
    found = city.resolve(context_for("81.2.69.142", {"cf-ipcountry": "DE"}, via_trusted_proxy=True))
    assert dict(found) == {"country": "DE", "in_eu": True}


@pytest.mark.corpus
def test_geo_provider_keeps_the_database_when_the_cdn_does_not_know(city: GeoProvider) -> None:
    found = city.resolve(context_for("81.2.69.142", {"cf-ipcountry": "XX"}, via_trusted_proxy=True))
    assert found["city"] == "London"


def test_geo_provider_uses_one_cdn_only(no_database: GeoProvider) -> None:
    headers = {"cf-ipcountry": "GB", "cloudfront-viewer-city": "Ann Arbor"}
    found = no_database.resolve(context_for(None, headers, via_trusted_proxy=True))
    assert dict(found) == {"country": "GB", "in_eu": False}


# The demo database (demo_site/geo): its builder and the committed file.
DEMO_SAMPLES = [
    ("192.0.2.10", "GB", "London", "Europe/London", False),
    ("192.0.2.70", "US", "Seattle", "America/Los_Angeles", False),
    ("198.51.100.20", "DE", "Berlin", "Europe/Berlin", True),
    ("198.51.100.100", "BR", "São Paulo", "America/Sao_Paulo", False),
    ("203.0.113.30", "US", "New York", "America/New_York", False),
    ("2001:db8:7::1", "SE", "Stockholm", "Europe/Stockholm", True),
]


@pytest.mark.parametrize(("ip", "country", "city_name", "zone", "in_eu"), DEMO_SAMPLES)
def test_demo_database_rebuilt_geolocates_through_the_provider(
    tmp_path: Path, ip: str, country: str, city_name: str, zone: str, in_eu: bool
) -> None:
    provider = GeoProvider(database=build(output=tmp_path / "demo.mmdb"))
    found = provider.resolve(context_for(ip))
    assert (found["country"], found["city"], found["timezone"], found["in_eu"]) == (
        country, city_name, zone, in_eu
    )
    provider.close()


def test_demo_database_build_is_reproducible(tmp_path: Path) -> None:
    first = build(output=tmp_path / "first.mmdb").read_bytes()
    assert build(output=tmp_path / "second.mmdb").read_bytes() == first


def test_demo_database_committed_file_matches_the_csv() -> None:
    provider = GeoProvider(database=MMDB_PATH, cache_size=0)
    for row in read_cities(CSV_PATH):
        for address in (row.network[0], row.network[-1]):
            assert dict(provider.locate(str(address))) == {
                "country": row.country_iso_code, "country_name": row.country_name,
                "continent": row.continent_code, "in_eu": row.is_in_european_union,
                "region": row.subdivision_iso_code, "city": row.city,
                "postal": row.postal_code, "timezone": row.time_zone,
                "latitude": row.latitude, "longitude": row.longitude,
            }, f"{address}: run python -m demo_site.geo.build_geo_db and commit the result"
    assert dict(provider.locate("2001:db8:ff::1")) == {}  # not in the CSV
    provider.close()


def test_demo_database_loopback_alias_locates_a_local_browser() -> None:
    provider = GeoProvider(database=MMDB_PATH, loopback_alias="192.0.2.10")
    assert provider.resolve(context_for("127.0.0.1"))["city"] == "London"
    provider.close()


def test_demo_database_csv_error_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "cities.csv"
    shutil.copy(CSV_PATH, broken)
    with broken.open("a", encoding="utf-8") as stream:
        stream.write("192.0.2.0/28,GB,United Kingdom,EU,Europe,ENG,England,London,EC1A,"
                     "Europe/London,51.5,-0.12,false\n")
    with pytest.raises(ValueError, match="overlaps"):
        read_cities(broken)
    lines = broken.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([*lines[:2], lines[2].replace("false", "maybe")]) + "\n")
    with pytest.raises(ValueError, match=rf"{broken.name}:3: is_in_european_union"):
        read_cities(broken)
