"""The demo shop in a real browser: headless Chromium renders the home page as several personas.

The demo runs under uvicorn on a free 127.0.0.1 port, with a preview secret and a throwaway
SQLite store. Each persona's page is opened through a signed preview link, as QA would open
it; the screenshots land in $CHEERS_ARTIFACTS (default: artifacts/), which CI keeps. Without
Chromium the test skips, unless CHEERS_REQUIRE_BROWSER=1 makes that a failure.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from middleware.preview import PreviewGrant, PreviewTokens
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("CHEERS_ARTIFACTS") or ROOT / "artifacts")
SECRET = "browser-test-preview-secret"

#: The hero title demo_site/policy.yaml gives each persona of demo_site/personas.yaml at home.
HEROES = {
    "rainy-commuter": "Wet out there in London? Walkies, sorted.",  # rainy-day
    "dog-lover-seattle": "Good dogs deserve great walks",  # dog-people
    "midnight-first-timer": "Cosy beds for curling up",  # cosy-evening
    "paris-newsletter": "Pet supplies, across the water in 3\u20135 days",  # europe-delivery
    "tokyo-afternoon": "Everything for the animals you love",  # no rule: the page's default
}
_SCRIPT = re.compile(r"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    skip_or_fail(
        "Chromium is not installed (apt-get install chromium)", required_by="CHEERS_REQUIRE_BROWSER"
    )
    raise AssertionError("unreachable")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    output = server.stdout.read().decode() if server.stdout and server.poll() is not None else ""
    raise AssertionError(f"the demo did not start at {url}\n{output}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo shop's base URL, served by uvicorn in a subprocess."""
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {
        **os.environ,
        "CHEERS_PREVIEW_SECRET": SECRET,
        "CHEERS_SECRET_KEY": "browser-test-visitor-secret",
        "CHEERS_STORE": f"sqlite:///{folder / 'cheers.db'}",
        "CHEERS_DEMO_WEATHER": "",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "demo_site.app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def _link(base: str, persona: str | None, path: str = "/") -> str:
    grant = PreviewGrant(persona, int(time.time()) + 600, path)
    return f"{base}/_cheers/open?token={PreviewTokens(SECRET).sign(grant)}"


def _browse(url: str, profile: Path, *options: str) -> str:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *options,
        url,
    ]
    done = subprocess.run(command, capture_output=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8", "replace")


def _hero_title(dom: str) -> str:
    hero = dom[dom.index('data-slot="hero"') :]
    match = re.search(r'class="cheers-hero__title">(.*?)</h1>', hero, re.DOTALL)
    assert match is not None, hero[:500]
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def _screenshot(url: str, profile: Path, name: str, size: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    target.unlink(missing_ok=True)
    _browse(url, profile, f"--screenshot={target}", f"--window-size={size}")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return target


def test_browser_shows_each_persona_its_own_hero_without_script(demo: str, tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    for persona in HEROES:
        url = _link(demo, persona)
        dom = _browse(url, tmp_path / persona, "--dump-dom", "--window-size=1280,900")
        assert "/_cheers/view/" in dom and 'data-slot="hero"' in dom, dom[:500]
        assert _SCRIPT.search(dom) is None
        seen[persona] = _hero_title(dom)
        _screenshot(url, tmp_path / f"{persona}-shot", f"preview-{persona}.png", "1280,900")
    assert seen == HEROES
    assert len(set(seen.values())) == len(HEROES)


def test_browser_renders_the_matrix(demo: str, tmp_path: Path) -> None:
    url = _link(demo, None, "/matrix?path=/")
    dom = _browse(url, tmp_path / "matrix", "--dump-dom", "--window-size=1600,1700")
    assert _SCRIPT.search(dom) is None
    for rule in (
        "rainy-day",
        "dog-people",
        "europe-delivery",
        "on-the-go",
        "good-morning",
        "cosy-evening",
        "still-thinking",
        "welcome-back",
        "first-offer",
        "for-you",
        "your-aisles",
    ):
        assert f'<li class="matched">rule {rule} matched' in dom
    _screenshot(url, tmp_path / "matrix-shot", "matrix.png", "1600,1700")


def test_browser_shows_a_returning_shopper_the_item_they_keep_eyeing(
    demo: str, tmp_path: Path
) -> None:
    url = _link(demo, "edinburgh-window-shopper")
    dom = _browse(url, tmp_path / "eyeing", "--dump-dom", "--window-size=1280,900")
    assert _SCRIPT.search(dom) is None
    reminder = dom[dom.index('data-slot="reminder"') :].split("</section>")[0]
    assert "Still thinking about the Window Perch Hammock?" in reminder
    assert '/products/window-perch-hammock">Take another look' in reminder  # kept in preview
    _screenshot(url, tmp_path / "eyeing-shot", "preview-edinburgh-window-shopper.png", "1280,900")


PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_browser_phone_and_desktop_see_different_heroes(demo: str, tmp_path: Path) -> None:
    """The spine's promise, in a real browser against uvicorn: the demo shows a phone and a
    desktop browser different heroes (the policy's on-the-go rule), with no script."""
    phone = _browse(demo + "/", tmp_path / "phone", "--dump-dom", f"--user-agent={PHONE}")
    desktop = _browse(demo + "/", tmp_path / "desktop", "--dump-dom", "--window-size=1280,900")
    assert _SCRIPT.search(phone) is None and _SCRIPT.search(desktop) is None
    assert _hero_title(phone) == "Pet essentials in a few taps"
    assert _hero_title(desktop) != _hero_title(phone)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, size, agent in (
        ("home-phone.png", "390,844", [f"--user-agent={PHONE}"]),
        ("home-desktop.png", "1280,900", []),
    ):
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        _browse(
            demo + "/", tmp_path / name, f"--screenshot={target}", f"--window-size={size}", *agent
        )
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
