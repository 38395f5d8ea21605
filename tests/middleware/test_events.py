"""Tests of how a request's writes reach the store: together, and never raising."""

from __future__ import annotations

import asyncio
import logging

import pytest

from middleware.events import _write_all


async def test_write_all_starts_every_write_before_any_resumes() -> None:
    log: list[str] = []

    async def write(name: str) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(0)  # a store that waits (SQLite's batch, a Redis round trip)
        log.append(f"end {name}")

    await _write_all([write("visit"), write("exposure"), write("cap")])
    assert log[:3] == ["start visit", "start exposure", "start cap"]
    assert sorted(log[3:]) == ["end cap", "end exposure", "end visit"]


async def test_write_all_logs_a_failing_write_and_finishes_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done: list[str] = []

    async def write(name: str) -> None:
        await asyncio.sleep(0)
        if name.startswith("bad"):
            raise RuntimeError(name)
        done.append(name)

    with caplog.at_level(logging.WARNING, logger="cheers"):
        await _write_all([write("bad first"), write("visit"), write("bad later"), write("cap")])
    assert done == ["visit", "cap"]
    assert caplog.text.count("recording the request's events failed") == 2
    assert "bad first" in caplog.text and "bad later" in caplog.text


async def test_write_all_cancelled_during_the_first_write_still_finishes_the_others() -> None:
    done: list[str] = []
    first_started = asyncio.Event()

    async def slow() -> None:
        first_started.set()
        await asyncio.sleep(3600)

    async def write(name: str) -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        done.append(name)

    task = asyncio.ensure_future(_write_all([slow(), write("visit"), write("exposure")]))
    await first_started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == ["visit", "exposure"]


def test_cap_counters_live_two_days_only_for_per_day_caps(tmp_path) -> None:
    from datetime import timedelta

    from starlette.responses import HTMLResponse

    from middleware import PersonalizationMiddleware
    from middleware.events import _capped_per_day
    from slots.decision import Decision

    from .support import http_scope, write_policy

    policy = """\
slots:
  hero:
    rules:
      - {name: "daily", cap: {max: 1, per: day}, show: hero/phone.html}
  cta:
    rules:
      - {name: "ever", cap: {max: 1, per: visitor}, show: hero/phone.html}
"""
    middleware = PersonalizationMiddleware(
        HTMLResponse("<p>x</p>"), **write_policy(tmp_path, policy)
    )
    personalization = middleware.engine.begin(http_scope())
    daily = Decision("hero", rule="daily", cap_key="hero:daily:2026-11-22")
    ever = Decision("cta", rule="ever", cap_key="cta:ever")
    assert _capped_per_day(personalization, daily)
    assert not _capped_per_day(personalization, ever)
    assert middleware.engine.settings.retention == timedelta(days=395)
