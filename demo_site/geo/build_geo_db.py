"""The demo GeoIP database: demo-cities.mmdb, built from the project's own demo-cities.csv.

The CSV maps documentation address ranges (RFC 5737, RFC 3849), which no real visitor
has, to a few cities, so the demo geolocates on a fresh machine with nothing to download.
After editing the CSV, run ``python -m demo_site.geo.build_geo_db`` and commit both files.
Needs the ``mmdb-writer`` package (a development dependency).
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "BUILD_EPOCH",
    "COLUMNS",
    "CSV_PATH",
    "DATABASE_TYPE",
    "MMDB_PATH",
    "DemoCity",
    "build",
    "main",
    "read_cities",
    "record_of",
]

HERE: Final = Path(__file__).resolve().parent
CSV_PATH: Final = HERE / "demo-cities.csv"
MMDB_PATH: Final = HERE / "demo-cities.mmdb"

#: Contains "City", which geoip2's ``Reader.city()`` requires of the database type.
DATABASE_TYPE: Final = "Cheers-Demo-City"

#: The build time written into the metadata, fixed so one CSV always gives the same bytes.
BUILD_EPOCH: Final = 1_767_225_600  # 2026-01-01T00:00:00Z

COLUMNS: Final = (
    "network", "country_iso_code", "country_name", "continent_code", "continent_name",
    "subdivision_iso_code", "subdivision_name", "city", "postal_code", "time_zone",
    "latitude", "longitude", "is_in_european_union",
)


@dataclass(frozen=True, slots=True)
class DemoCity:
    """One row of the CSV: a network and the place it stands for."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    country_iso_code: str
    country_name: str
    continent_code: str
    continent_name: str
    subdivision_iso_code: str
    subdivision_name: str
    city: str
    postal_code: str
    time_zone: str
    latitude: float
    longitude: float
    is_in_european_union: bool


def read_cities(path: Path = CSV_PATH) -> list[DemoCity]:
    """The rows of the CSV, checked; a bad row raises ValueError naming ``path:line``."""
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}:1: the header must be {','.join(COLUMNS)}")
        cities = []
        for row in reader:
            try:
                cities.append(_city_of(row))
            except ValueError as error:
                raise ValueError(f"{path}:{reader.line_num}: {error}") from None
    _check_disjoint(cities, path)
    return cities


def record_of(city: DemoCity) -> dict[str, Any]:
    """The city as a GeoIP2-City record, the layout geoip2's ``Reader.city()`` reads."""
    country: dict[str, Any] = {
        "iso_code": city.country_iso_code,
        "names": {"en": city.country_name},
    }
    if city.is_in_european_union:  # MaxMind leaves the flag out when it is false
        country["is_in_european_union"] = True
    return {
        "city": {"names": {"en": city.city}},
        "continent": {"code": city.continent_code, "names": {"en": city.continent_name}},
        "country": country,
        "registered_country": country,
        "location": {
            "accuracy_radius": 20,
            "latitude": city.latitude,
            "longitude": city.longitude,
            "time_zone": city.time_zone,
        },
        "postal": {"code": city.postal_code},
        "subdivisions": [
            {"iso_code": city.subdivision_iso_code, "names": {"en": city.subdivision_name}}
        ],
    }


def build(*, csv_path: Path = CSV_PATH, output: Path = MMDB_PATH) -> Path:
    """Write the database for ``csv_path`` to ``output`` and return ``output``."""
    try:
        from mmdb_writer import MMDBWriter
        from netaddr import IPSet
    except ImportError as error:
        raise RuntimeError(
            f"building the demo database needs mmdb-writer ({error}); "
            "install it with: pip install 'cheers[dev]'"
        ) from None

    class _ReproducibleWriter(MMDBWriter):
        def _build_meta(self) -> dict[str, Any]:
            return {**super()._build_meta(), "build_epoch": BUILD_EPOCH}

    writer = _ReproducibleWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=DATABASE_TYPE,
        languages=["en"],
        description={"en": "Cheers demo cities: documentation address ranges only, not real"},
    )
    for city in read_cities(csv_path):
        writer.insert_network(IPSet([str(city.network)]), record_of(city))
    output.parent.mkdir(parents=True, exist_ok=True)
    writer.to_db_file(str(output))
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo_site.geo.build_geo_db", description=__doc__
    )
    parser.add_argument("--csv", type=Path, default=CSV_PATH, help="the source CSV")
    parser.add_argument("--output", type=Path, default=MMDB_PATH, help="the .mmdb to write")
    arguments = parser.parse_args(argv)
    try:
        written = build(csv_path=arguments.csv, output=arguments.output)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


def _city_of(row: dict[str, str]) -> DemoCity:
    network = ipaddress.ip_network(row["network"].strip())
    latitude, longitude = float(row["latitude"]), float(row["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"latitude/longitude {latitude}, {longitude} out of range")
    in_eu = row["is_in_european_union"].strip().lower()
    if in_eu not in ("true", "false"):
        raise ValueError(f"is_in_european_union must be true or false, not {in_eu!r}")
    texts = {name: row[name].strip() for name in COLUMNS[1:10]}
    if missing := [name for name, value in texts.items() if not value]:
        raise ValueError(f"empty column(s): {', '.join(missing)}")
    return DemoCity(
        network=network,
        latitude=latitude,
        longitude=longitude,
        is_in_european_union=in_eu == "true",
        **texts,
    )


def _check_disjoint(cities: list[DemoCity], path: Path) -> None:
    for index, city in enumerate(cities):
        for other in cities[:index]:
            if city.network.version == other.network.version and city.network.overlaps(
                other.network
            ):
                raise ValueError(f"{path}: {city.network} overlaps {other.network}")


if __name__ == "__main__":
    raise SystemExit(main())
