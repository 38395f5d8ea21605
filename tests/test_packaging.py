"""The distribution: the starter templates, the demo's data and the console script ship in the
wheel, so an installed Cheers finds them as a checkout does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    # Built from a copy of the tracked files, so no build/ folder is left in the checkout and
    # nothing untracked (a stale build, a local database) can slip into the wheel.
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files to build from are unknown")
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode().split("\0")
    for name in filter(None, tracked):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = folder.glob("cheers-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_ships_the_starter_templates(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for template in sorted((ROOT / "templates").rglob("*.html")):
        assert template.relative_to(ROOT).as_posix() in names


def test_wheel_ships_the_demo_and_its_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for path in (
        "demo_site/policy.yaml",
        "demo_site/personas.yaml",
        "demo_site/catalog.json",
        "demo_site/geo/demo-cities.mmdb",
        "demo_site/static/style.css",
        "demo_site/pages/home.html",
    ):
        assert path in names
    assert any(
        name.startswith("demo_site/static/items/") and name.endswith(".svg") for name in names
    )


def test_wheel_declares_the_cheers_command(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "cheers = middleware.cli:main" in wheel.read(entry_points).decode()


def test_installed_template_folder_is_found_next_to_the_packages() -> None:
    import templates
    from middleware.settings import TEMPLATES_DIR

    assert TEMPLATES_DIR == Path(templates.__file__).resolve().parent
