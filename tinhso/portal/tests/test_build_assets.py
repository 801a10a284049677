"""scripts/build_assets.py: the front-end build step."""

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
SCRIPT = PROJECT_DIR / "scripts" / "build_assets.py"


def test_without_npm_it_says_what_is_needed_and_fails(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={"PATH": str(tmp_path)},  # an empty directory: no npm anywhere
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "npm (Node.js) is needed" in result.stderr
    assert "npm registry" in result.stderr


def test_dependencies_are_pinned_exactly_and_locked():
    package = json.loads((PROJECT_DIR / "package.json").read_text())
    lock = json.loads((PROJECT_DIR / "package-lock.json").read_text())

    assert package["private"] is True
    assert package["license"] == "AGPL-3.0-or-later"
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert set(pinned) == {"htmx.org", "chart.js", "leaflet", "axe-core", "@fontsource/noto-serif"}
    for name, version in pinned.items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert pinned["htmx.org"].startswith("2.")
    assert pinned["chart.js"].startswith("4.")
