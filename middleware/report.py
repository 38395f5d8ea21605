"""``cheers report``: how often each experiment variant of a policy was shown."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from pathlib import Path

from slots.policy import Policy, load_policy

from .stores import open_store

__all__ = ["experiments", "print_report"]


def experiments(policy: Policy) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """Every experiment in a policy: (slot, experiment key, variant names)."""
    for slot in policy.slots.values():
        for rule in slot.rules:
            if rule.variants:
                key = rule.experiment or f"{slot.name}:{rule.name}"
                yield slot.name, key, tuple(variant.name for variant in rule.variants)


async def _rows(policy: Policy, store_url: str) -> list[tuple[str, str, str, int, int]]:
    store = open_store(store_url)
    rows = []
    try:
        for slot, key, variants in experiments(policy):
            counts = await store.exposures(key)
            for variant in variants:
                shown, converted = counts.get(variant, (0, 0))
                rows.append((slot, key, variant, shown, converted))
    finally:
        await store.close()
    return rows


def print_report(args: argparse.Namespace) -> int:
    path = Path(args.policy)
    policy = load_policy(path.read_text(encoding="utf-8"), filename=str(path))
    rows = asyncio.run(_rows(policy, args.store))
    if not rows:
        print(f"{path}: no experiments (rules with variants)")
        return 0
    print(f"{'slot':<16} {'experiment':<28} {'variant':<16} {'shown':>8} {'share':>7}")
    totals: dict[str, int] = {}
    for _, key, _, shown, _ in rows:
        totals[key] = totals.get(key, 0) + shown
    for slot, key, variant, shown, _ in rows:
        share = f"{shown / totals[key]:.1%}" if totals[key] else "-"
        print(f"{slot:<16} {key:<28} {variant:<16} {shown:>8} {share:>7}")
    return 0
