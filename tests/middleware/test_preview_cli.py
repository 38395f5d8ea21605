"""The ``cheers preview`` and ``cheers preview-link`` commands (middleware/preview_cli.py)."""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from demo_site.app import create_app
from middleware.clock import FixedClock, SystemClock
from middleware.preview_cli import add_commands

from .preview.shop import SECRET, make_app

ROOT = Path(__file__).resolve().parents[2]
DEMO_PERSONAS = str(ROOT / "demo_site" / "personas.yaml")
APP = f"{__name__}:cli_app"


def cli_app() -> Starlette:
    """The demo shop, as ``--app ... --factory`` builds it in these tests."""
    return create_app(store="memory://", secret_key="demo-test-secret-key", weather=None)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="cheers")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


def test_preview_prints_each_slot_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "preview",
        "--app",
        APP,
        "--factory",
        "--persona",
        "rainy-commuter",
        "--personas",
        DEMO_PERSONAS,
        "/",
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["persona"] == "rainy-commuter" and result["status"] == 200
    slots = ["hero", "cta", "reminder", "recommendations", "recently_viewed"]
    assert list(result["slots"]) == slots
    hero = result["slots"]["hero"]
    assert (hero["rule"], hero["template"]) == ("rainy-day", "hero/rainy.html")
    assert hero["trace"] == [{"rule": "rainy-day", "outcome": "matched", "reason": ""}]
    assert result["slots"]["cta"]["rule"] == "welcome-back"


def test_preview_explains_the_rules_that_failed(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        "preview",
        "--app",
        APP,
        "--factory",
        "--persona",
        "midnight-first-timer",
        "--personas",
        DEMO_PERSONAS,
        "/?utm_source=x",
    )
    slots = json.loads(capsys.readouterr().out)["slots"]
    assert slots["hero"]["rule"] == "cosy-evening"
    outcomes = [(step["rule"], step["outcome"]) for step in slots["hero"]["trace"]]
    assert outcomes[0] == ("rainy-day", "skipped") and outcomes[-1] == ("cosy-evening", "matched")
    # A persona is bucketed like a visitor, under a stable id of its own.
    from slots.experiments import assign_variant

    assignment = assign_variant(
        experiment_key="cta:first-offer",
        visitor_id="persona-midnight-first-timer",
        weights=[0.5, 0.5],
    )
    assert assignment is not None
    assert slots["cta"]["variant"] == ["free_delivery", "ten_percent"][assignment.index]
    assert slots["cta"]["bucket"] == pytest.approx(assignment.bucket)
    assert "weather.condition is 'clear'" in slots["hero"]["trace"][0]["reason"]


def test_preview_html_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "preview",
        "--app",
        APP,
        "--factory",
        "--persona",
        "dog-lover-seattle",
        "--personas",
        DEMO_PERSONAS,
        "--html",
        "/",
    )
    page = capsys.readouterr().out
    assert code == 0
    assert "Good dogs deserve great walks" in page
    assert "<!-- cheers: hero: rule rainy-day skipped" in page


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--app", APP, "--factory", "--persona", "nobody", "--personas", DEMO_PERSONAS, "/"],
            "no persona 'nobody'",
        ),
        (
            ["--app", "no_such_module:app", "--persona", "x", "/"],
            "No module named 'no_such_module'",
        ),
        (["--app", "demo_site.app", "--persona", "x", "/"], "write MODULE:APP"),
        (["--app", APP, "--factory", "--persona", "rainy-commuter", "/"], "pass --personas FILE"),
        (
            [
                "--app",
                APP,
                "--factory",
                "--persona",
                "rainy-commuter",
                "--personas",
                DEMO_PERSONAS,
                "cart",
            ],
            "must be a path",
        ),
    ],
)
def test_preview_explains_usage_mistakes(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run("preview", *argv) == 2
    assert message in capsys.readouterr().err


def _link(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run("preview-link", *argv) == 0
    return capsys.readouterr().out.strip()


def test_preview_link_opens_the_persona_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHEERS_PREVIEW_SECRET", SECRET)
    url = _link(
        capsys, "--persona", "commuter", "--path", "/next", "--base-url", "https://shop.example/"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "shop.example", "/_cheers/open")
    with TestClient(make_app(tmp_path, clock=SystemClock())) as client:
        opened = client.get(f"{parts.path}?{parts.query}")
        assert opened.status_code == 200
        assert str(opened.url).endswith("/_cheers/view/commuter/next")
        assert 'data-agent="Mozilla/5.0 (iPhone;' in opened.text


def test_preview_link_stops_working_after_it_expires(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = urlsplit(_link(capsys, "--persona", "commuter", "--expires", "30m", "--secret", SECRET))
    later = FixedClock(datetime.fromtimestamp(time.time(), UTC) + timedelta(minutes=31))
    with TestClient(make_app(tmp_path / "a", clock=SystemClock())) as now:
        assert now.get(f"{url.path}?{url.query}").status_code == 200
    with TestClient(make_app(tmp_path / "b", clock=later)) as client:
        assert client.get(f"{url.path}?{url.query}").status_code == 404


def test_preview_link_stops_working_when_the_secret_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = urlsplit(_link(capsys, "--persona", "commuter", "--secret", SECRET))
    app = make_app(tmp_path, clock=SystemClock(), preview_secret="a-brand-new-secret-value")
    with TestClient(app) as client:
        assert client.get(f"{url.path}?{url.query}").status_code == 404


def test_preview_link_without_persona_opens_the_console(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = urlsplit(_link(capsys, "--secret", SECRET, "--path", "/matrix", "--prefix", "/_qa"))
    assert url.path == "/_qa/open"
    with TestClient(make_app(tmp_path, clock=SystemClock(), preview_path="/_qa")) as client:
        matrix = client.get(f"{url.path}?{url.query}")
        assert str(matrix.url).endswith("/_qa/matrix")
        assert re.search(r"<th>hero</th>", matrix.text)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--persona", "x"], "no preview secret"),
        (["--secret", "short"], "at least 16 characters"),
        (["--secret", SECRET, "--expires", "forever"], "is not a duration"),
        (["--secret", SECRET, "--path", "cart"], "--path must be a path"),
        (
            ["--secret", SECRET, "--persona", "nobody", "--personas", DEMO_PERSONAS],
            "no persona 'nobody'",
        ),
    ],
)
def test_preview_link_explains_usage_mistakes(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("CHEERS_PREVIEW_SECRET", raising=False)
    assert run("preview-link", *argv) == 2
    assert message in capsys.readouterr().err
