#!/usr/bin/env python3
"""Fetch the front-end assets from the npm registry and copy them into build/static/vendor/.

The pinned versions live in package.json and package-lock.json (committed). ``npm ci`` runs
only when node_modules/ is missing or older than the lockfile, so a second run is instant and
needs no network. Nothing is loaded from a CDN at run time: Django serves what this copies
(build/static is in STATICFILES_DIRS).

Usage: python scripts/build_assets.py
"""

from __future__ import annotations

import fcntl
import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCKFILE = PROJECT_DIR / "package-lock.json"
NODE_MODULES = PROJECT_DIR / "node_modules"
# npm writes this "hidden lockfile" after every successful install: its age tells whether
# node_modules matches the committed lockfile.
INSTALLED_MARKER = NODE_MODULES / ".package-lock.json"
VENDOR_DIR = PROJECT_DIR / "build" / "static" / "vendor"

# (file in node_modules, name under build/static/vendor/). Source maps travel with the files
# that reference them: the manifest static storage rewrites sourceMappingURL comments and
# fails collectstatic when the map is missing. Licences travel too (the packages are MIT/0BSD).
VENDOR_FILES = [
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("htmx.org/LICENSE", "htmx.LICENSE.txt"),
    ("chart.js/dist/chart.umd.js", "chart.umd.js"),
    ("chart.js/dist/chart.umd.js.map", "chart.umd.js.map"),
    ("chart.js/LICENSE.md", "chart.js.LICENSE.txt"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.js.map", "leaflet/leaflet.js.map"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
    ("leaflet/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
    ("leaflet/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
    ("leaflet/dist/images/layers.png", "leaflet/images/layers.png"),
    ("leaflet/dist/images/layers-2x.png", "leaflet/images/layers-2x.png"),
    ("leaflet/LICENSE", "leaflet/LICENSE.txt"),
    # Noto Serif with the Vietnamese glyphs, for the one-stop desk's PDF forms (WeasyPrint reads
    # them through file URLs; WOFF 1, which needs no brotli). SIL Open Font License.
    *[
        (
            f"@fontsource/noto-serif/files/noto-serif-{subset}-{weight}-normal.woff",
            f"fonts/noto-serif-{subset}-{weight}-normal.woff",
        )
        for subset in ("latin", "latin-ext", "vietnamese")
        for weight in (400, 700)
    ],
    ("@fontsource/noto-serif/LICENSE", "fonts/noto-serif.LICENSE.txt"),
]

NPM_MISSING = """\
build_assets: npm (Node.js) is needed to fetch the front-end assets (htmx, Chart.js, axe-core)
from the npm registry, but `npm` is not on PATH.
Install Node.js and npm (on Debian/Ubuntu: apt-get install nodejs npm) and run again."""


def node_modules_is_stale() -> bool:
    if not INSTALLED_MARKER.exists():
        return True
    return INSTALLED_MARKER.stat().st_mtime < LOCKFILE.stat().st_mtime


def npm_ci(npm: str) -> None:
    # --ignore-scripts: none of our packages needs an install script, and refusing them keeps
    # a compromised dependency from running code on the build machine.
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    print("build_assets: " + " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=PROJECT_DIR, check=True)  # noqa: S603 (fixed argument list)


def copy_vendor_files() -> int:
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    copied = 0
    for source_name, target_name in VENDOR_FILES:
        source = NODE_MODULES / source_name
        target = VENDOR_DIR / target_name
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: is package-lock.json up to date?")
        # Copy only what changed, so the files' times (and whitenoise's caches) stay put.
        if target.exists() and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


def main() -> int:
    npm = shutil.which("npm")
    if npm is None:
        print(NPM_MISSING, file=sys.stderr)
        return 1
    if not LOCKFILE.exists():
        print(f"build_assets: {LOCKFILE.name} is missing; run `npm install`.", file=sys.stderr)
        return 1
    VENDOR_DIR.parent.mkdir(parents=True, exist_ok=True)
    # Parallel test workers may all call this at once; one runs npm, the others wait.
    with open(VENDOR_DIR.parent / ".build_assets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if node_modules_is_stale():
                npm_ci(npm)
            copied = copy_vendor_files()
        except subprocess.CalledProcessError as error:
            print(f"build_assets: npm failed (exit {error.returncode}).", file=sys.stderr)
            return 1
        except FileNotFoundError as error:
            print(f"build_assets: {error}", file=sys.stderr)
            return 1
    print(f"build_assets: {VENDOR_DIR.relative_to(PROJECT_DIR)} ready ({copied} file(s) updated).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
