from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from middleware.cli import main
from middleware.report import experiments
from middleware.stores import open_store
from slots.policy import load_policy

POLICY = """\
slots:
  cta:
    rules:
      - name: offer
        variants: {free_delivery: keep, ten_percent: keep}
        weights: [0.5, 0.5]
        experiment: offer-2026
  hero:
    rules:
      - name: split
        variants: {a: keep, b: keep}
        weights: [0.5, 0.5]
"""


def test_experiments_lists_keys_and_variants() -> None:
    policy = load_policy(POLICY)
    assert list(experiments(policy)) == [
        ("cta", "offer-2026", ("free_delivery", "ten_percent")),
        ("hero", "hero:split", ("a", "b")),
    ]


def test_report_prints_exposures_per_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/cheers.db"

    async def expose() -> None:
        store = open_store(url)
        for variant in ("free_delivery", "free_delivery", "free_delivery", "ten_percent"):
            await store.record_exposure("offer-2026", variant)
        await store.close()

    asyncio.run(expose())
    assert main(["report", str(policy), "--store", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["cta", "offer-2026", "free_delivery", "3", "75.0%"]
    assert lines[2].split() == ["cta", "offer-2026", "ten_percent", "1", "25.0%"]
    assert lines[3].split() == ["hero", "hero:split", "a", "0", "-"]
