"""Browser-test harness: Playwright driving Debian's Chromium, with axe-core, as a pytest plugin.

Registered for the whole project by ``pytest_plugins`` in the root conftest.py, so any module's
tests can use the fixtures without importing them:

    import pytest
    from tinhso.portal.tests.browser import assert_accessible

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_unit_page_on_a_phone(phone_page):
        phone_page.goto("/don-vi/")            # relative to the live server
        assert_accessible(phone_page)          # every page a test opens must pass axe

Fixtures: ``browser`` (session: one headless Chromium), ``phone_page`` (360x740, touch, 2x)
and ``desktop_page`` (1280x800), each a fresh context (no cookies, no storage) whose
``base_url`` is pytest-django's ``live_server``. Pages use the project's real translation
catalogues (tinhso/locale), so tests assert the Vietnamese or English text users see. A page
fixture fails the test when the page raised a JavaScript error, a static file failed to load,
or a page it loaded was never passed to ``assert_accessible``.

No browser is ever downloaded: the harness uses /usr/bin/chromium and fails, rather than
skips, when it is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_PATH = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
# The built files the pages need; if one is missing the assets have not been built yet.
BUILT_ASSETS = [AXE_PATH, PROJECT_DIR / "build" / "static" / "vendor" / "htmx.min.js"]
BUILD_COMMAND = [sys.executable, str(PROJECT_DIR / "scripts" / "build_assets.py")]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
FAILING_IMPACTS = ("serious", "critical")
PAGE_FIXTURES = {"browser", "phone_page", "desktop_page"}

_axe_source: str | None = None
# Per open page (keyed by id, cleared when its fixture ends): what it loaded, what axe checked.
_watchers: dict[int, _PageWatcher] = {}


def pytest_collection_modifyitems(items):
    # A test that drives the browser is a browser test, marked or not, so that
    # ``-m "not browser"`` really leaves Chromium out.
    for item in items:
        if PAGE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixtures read this to skip their own checks when the test already failed.
    setattr(item, f"_browser_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def frontend_assets() -> None:
    """Build the front-end assets once if they are missing (npm ci, copy to build/static)."""
    if all(path.exists() for path in BUILT_ASSETS):
        return
    result = subprocess.run(BUILD_COMMAND, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(
            "The front-end assets are missing and could not be built.\n"
            f"Run: {' '.join(BUILD_COMMAND)}\n\n{result.stdout}{result.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser(frontend_assets):
    """One headless Chromium for the session (Debian's package, never a downloaded build)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}, which is missing. "
            "Install Debian's package: apt-get install chromium "
            '(or deselect browser tests with -m "not browser").',
            pytrace=False,
        )
    # Playwright's sync API runs an event loop in the test thread, which makes Django refuse
    # database calls there (SynchronousOnlyOperation). Nothing here is async: allow them.
    # The loop stays up until the session ends, so later tests need it too. A test that starts
    # a Django process with os.environ must drop this variable (check --deploy refuses it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone_page(request, browser, live_server):
    """A page in a fresh phone-sized context (360x740, touch, 2x) on the live server."""
    yield from _open_page(request, browser, live_server, PHONE)


@pytest.fixture
def desktop_page(request, browser, live_server):
    """A page in a fresh desktop context (1280x800) on the live server."""
    yield from _open_page(request, browser, live_server, DESKTOP)


def assert_accessible(page) -> None:
    """Run axe-core on the page as it is now; fail listing every serious or critical issue."""
    global _axe_source
    if _axe_source is None:
        if not AXE_PATH.exists():
            pytest.fail(f"{AXE_PATH} is missing: run {' '.join(BUILD_COMMAND)}", pytrace=False)
        _axe_source = AXE_PATH.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate() goes through the DevTools protocol, which a page's CSP does not block
        # (a <script> tag added by add_script_tag would be).
        page.evaluate("() => {\n" + _axe_source + "\n}")
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html,
                                            summary: n.failureSummary})),
            }));
        }"""
    )
    watcher = _watchers.get(id(page))
    if watcher is not None:
        watcher.checked.add(_without_fragment(page.url))
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if failing:
        pytest.fail(_describe_violations(page.url, failing), pytrace=False)


class _PageWatcher:
    """Remembers what a page loaded and what went wrong while it did."""

    def __init__(self, page, base_url: str) -> None:
        self.base_url = base_url
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        self.problems: list[str] = []
        page.on("load", lambda p: self.loaded.append(_without_fragment(p.url)))
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)

    def _is_static(self, url: str) -> bool:
        return url.startswith(self.base_url) and urlsplit(url).path.startswith("/static/")

    def _on_response(self, response) -> None:
        if response.status >= 400 and self._is_static(response.url):
            self.problems.append(f"static file {response.url} answered {response.status}")

    def _on_request_failed(self, request) -> None:
        if request.url.startswith(self.base_url):
            self.problems.append(f"request {request.url} failed: {request.failure}")

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.loaded) if url not in self.checked]


def _open_page(request, browser, live_server, device: dict) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url,
        # A citizen's phone here is set to Vietnamese and to Vietnam's time.
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        **device,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watcher = _PageWatcher(page, live_server.url)
    _watchers[id(page)] = watcher
    try:
        yield page
    finally:
        context.close()
        _watchers.pop(id(page), None)
    report = getattr(request.node, "_browser_report_call", None)
    if report is not None and not report.passed:
        return
    problems = list(watcher.problems)
    problems += [
        f"page {url} was opened but never checked with assert_accessible()"
        for url in watcher.unchecked()
    ]
    if problems:
        pytest.fail("Browser problems:\n  " + "\n  ".join(problems), pytrace=False)


def _without_fragment(url: str) -> str:
    return urldefrag(url).url


def _describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious/critical accessibility problem(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = (node["summary"] or "").replace("\n", "\n      ")
            lines.append(f"      {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
