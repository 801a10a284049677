"""The whole site runs under its Content-Security-Policy in a real browser.

Chromium opens the main pages and reports every violation of the policy (the
``securitypolicyviolation`` event and the console's "Content Security Policy" messages); any
violation fails the test. A control first proves the browser enforces the policy and that the
listener hears it.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from tinhso.feedback.tests.conftest import world  # noqa: F401 - the categories of the form
from tinhso.kernel.security import content_security_policy
from tinhso.portal.tests.browser import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " at " +
    (event.sourceFile || location.href) + ":" + event.lineNumber
  );
});
"""


class CspWatch:
    """Collects what the policy blocked on a page, from the page itself and its console."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        found = self.page.evaluate("() => window.__cspViolations || []")
        return list(found) + self.console

    def assert_clean(self) -> None:
        problems = self.violations()
        assert not problems, f"CSP violations on {self.page.url}:\n  " + "\n  ".join(problems)


def open_clean(page, watch: CspWatch, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    watch.assert_clean()


def test_the_browser_enforces_the_policy_and_the_listener_hears_it(phone_page):
    watch = CspWatch(phone_page)
    open_clean(phone_page, watch, "/")
    # An inline script and an inline style attribute, added the way an injection would.
    ran = phone_page.evaluate(
        """() => {
            window.__injected = false;
            const script = document.createElement("script");
            script.textContent = "window.__injected = true;";
            document.head.appendChild(script);
            document.body.setAttribute("style", "background: red");
            return window.__injected;
        }"""
    )
    assert ran is False  # the browser refused to run it
    phone_page.wait_for_function("() => window.__cspViolations.length >= 2")
    directives = " ".join(watch.violations())
    assert "script-src" in directives and "style-src" in directives


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dich-vu-cong/",
        "/hoi-dap/",
        "/tai-khoan/dang-nhap/",
        "/don-vi/",
        "/truyen-thong/",
    ],
)
def test_main_pages_run_without_a_violation(phone_page, path):
    watch = CspWatch(phone_page)
    open_clean(phone_page, watch, path)


def test_the_field_report_form_and_my_position_run_under_the_policy(
    phone_page,
    world,  # noqa: F811
):
    phone_page.context.grant_permissions(["geolocation"])
    phone_page.context.set_geolocation({"latitude": 18.6796, "longitude": 105.6813})
    watch = CspWatch(phone_page)
    open_clean(phone_page, watch, reverse("feedback:new"))
    # The Permissions-Policy lets this site's own page ask for the position.
    phone_page.get_by_role("button", name="Dùng vị trí của tôi").click()
    phone_page.wait_for_function(
        "() => document.querySelector('input[name=latitude]').value !== ''"
    )
    assert phone_page.locator("input[name=latitude]").input_value().startswith("18.679")
    watch.assert_clean()


PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c63f8cfc0f01f0005000201a5d0b5f50000000049454e44ae426082"
)
TILE_PORT = 8521


class _Tiles(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG_1X1)))
        self.end_headers()
        self.wfile.write(PNG_1X1)

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server():
    """The province's own tile server, on another origin (another port) than the site."""
    server = ThreadingHTTPServer(("127.0.0.1", TILE_PORT), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{TILE_PORT}/{{z}}/{{x}}/{{y}}.png"
    finally:
        server.shutdown()
        server.server_close()


def test_the_map_loads_its_tiles_under_the_policy(
    phone_page,
    settings,
    tile_server,
    world,  # noqa: F811
):
    # What settings.py does when TINHSO_MAP_TILE_URL is set: the tile origin for images only.
    settings.TINHSO_MAP_TILE_URL = tile_server
    settings.TINHSO_MAP_ATTRIBUTION = "Bản đồ tỉnh Thử Nghiệm"
    settings.CONTENT_SECURITY_POLICY = content_security_policy(tile_server)
    watch = CspWatch(phone_page)
    open_clean(phone_page, watch, reverse("feedback:new"))
    phone_page.wait_for_selector("img.leaflet-tile-loaded")
    assert phone_page.locator("img.leaflet-tile-loaded").count() > 0
    phone_page.locator(".leaflet-container").click()  # pick the place: a marker appears
    phone_page.wait_for_selector(".leaflet-marker-icon")
    watch.assert_clean()


def test_the_api_docs_page_runs_under_the_policy(browser, live_server):
    # Swagger UI is the library's own page (not ours to hold to the accessibility bar), so it
    # gets a plain context rather than the page fixtures; it must still run under the policy.
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        watch = CspWatch(page)
        response = page.goto("/api/v1/docs")
        assert response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".swagger-ui .info .title")
        page.wait_for_selector(".opblock")  # the operations, from /api/v1/openapi.json
        assert "tinhso API" in page.locator(".swagger-ui .info .title").inner_text()
        page.wait_for_load_state("networkidle")
        watch.assert_clean()
        assert not errors
    finally:
        context.close()
