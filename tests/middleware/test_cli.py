from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from middleware.cli import main
from middleware.stores import open_store
from slots.profile import Profile

from .support import IPHONE

ROOT = Path(__file__).resolve().parents[2]
DEMO_DB = ROOT / "demo_site" / "geo" / "demo-cities.mmdb"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    printed: dict[str, Any] = json.loads(capsys.readouterr().out)
    return printed


def test_context_prints_every_attribute_as_dotted_json(capsys) -> None:
    attributes = run_json(
        capsys,
        "context",
        "--ip",
        "192.0.2.10",
        "--geoip-db",
        str(DEMO_DB),
        "--user-agent",
        IPHONE,
        "--header",
        "Accept-Language: fr-CH, en;q=0.8",
        "--header",
        "Referer: https://news.example/item",
        "--path",
        "/?utm_source=mail",
        "--at",
        "2026-07-01T07:30:00+00:00",
        "--weather",
        '{"condition": "rain", "temp_c": 12, "is_day": true, "wind_kmh": 5, "precip_mm": 2}',
    )
    assert attributes["device.type"] == "mobile"
    assert attributes["geo.city"] == "London"
    assert attributes["time.hour"] == 8  # London is on summer time in July
    assert attributes["time.daypart"] == "morning"
    assert attributes["weather.condition"] == "rain"
    assert attributes["visit.language"] == "fr"
    assert attributes["visit.referrer_host"] == "news.example"
    assert attributes["visit.utm_source"] == "mail"
    assert attributes["page.path"] == "/"


def test_context_rejects_a_naive_instant(capsys) -> None:
    with pytest.raises(SystemExit, match="time zone offset"):
        main(["context", "--at", "2026-07-01T07:30:00"])


def test_context_reads_a_config_file(tmp_path: Path, capsys) -> None:
    config = tmp_path / "cheers.yaml"
    config.write_text(f"geoip_db: {DEMO_DB}\ndefault_timezone: Asia/Tokyo\n", encoding="utf-8")
    attributes = run_json(
        capsys, "context", "--config", str(config), "--at", "2026-07-01T00:00:00+00:00"
    )
    assert attributes["time.hour"] == 9  # no address: the configured zone


def test_forget_and_purge_commands(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path}/cheers.db"
    old = datetime.now(UTC) - timedelta(days=500)

    async def seed() -> None:
        store = open_store(url)
        await store.record_visit("a" * 32, now=datetime.now(UTC), session_gap=timedelta(minutes=30))
        await store.record_visit("b" * 32, now=old, session_gap=timedelta(minutes=30))
        await store.close()

    asyncio.run(seed())
    assert main(["forget", "a" * 32, "--store", url]) == 0
    assert "erased everything stored about" in capsys.readouterr().out
    assert main(["purge", "--store", url, "--days", "395"]) == 0
    assert capsys.readouterr().out.startswith("purged 1 profiles")

    async def remaining() -> list[Profile | None]:
        store = open_store(url)
        profiles = [await store.load_profile("a" * 32), await store.load_profile("b" * 32)]
        await store.close()
        return profiles

    assert asyncio.run(remaining()) == [None, None]
