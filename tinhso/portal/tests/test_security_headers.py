"""Security headers on every response, and the cookie flags and HSTS of a production server.

The in-process tests read the headers the test client gets; the production tests start the
real server (gunicorn) with production settings on loopback and speak HTTP to it, as a
reverse proxy terminating TLS would (``X-Forwarded-Proto: https``).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/tai-khoan/dang-nhap/",
    "/dich-vu-cong/",
    "/phan-anh/",
    "/hoi-dap/",
    "/api/v1/docs",
    "/api/v1/openapi.json",
    "/api/v1/units/",
    "/trang-khong-co-that/",  # a 404 page
    "/static/tinhso/css/site.css",  # a static file (WhiteNoise)
]
KEYWORDS = {"'self'", "'none'", "data:"}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = words[1:]
    return policy


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404), path
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    # No third-party origin anywhere (no map tile server is configured in the tests).
    for directive, sources in policy.items():
        assert set(sources) <= KEYWORDS, (directive, sources)


@pytest.mark.parametrize("path", ["/", "/api/v1/openapi.json", "/static/tinhso/css/site.css"])
def test_every_response_denies_framing_sniffing_and_unused_browser_features(client, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    # "Use my position" on the field-report form needs geolocation, for this site only.
    assert features["geolocation"] == "(self)"
    for feature in ("camera", "microphone", "payment", "usb"):
        assert features[feature] == "()"


def _settings_in_a_fresh_process(**env) -> dict:
    """Load the settings module in a new process with this environment, as a server would."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
        "'hsts': s.SECURE_HSTS_SECONDS, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.settings", **env}
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_map_tile_server_is_allowed_for_images_only_and_only_when_configured(tmp_path):
    without = _settings_in_a_fresh_process(TINHSO_VAR_DIR=str(tmp_path), TINHSO_MAP_TILE_URL="")
    assert without["csp"]["img-src"] == ["'self'", "data:"]

    configured = _settings_in_a_fresh_process(
        TINHSO_VAR_DIR=str(tmp_path),
        TINHSO_MAP_TILE_URL="https://bando.nghean.gov.vn/tiles/{z}/{x}/{y}.png",
    )
    assert configured["csp"]["img-src"] == ["'self'", "data:", "https://bando.nghean.gov.vn"]
    for directive, sources in configured["csp"].items():
        if directive != "img-src":
            assert "https://bando.nghean.gov.vn" not in sources, directive


def test_the_embedded_cache_is_shared_between_processes_and_redis_replaces_it(tmp_path):
    embedded = _settings_in_a_fresh_process(TINHSO_VAR_DIR=str(tmp_path), REDIS_URL="")
    assert embedded["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    production = _settings_in_a_fresh_process(
        TINHSO_VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert production["cache"] == "django.core.cache.backends.redis.RedisCache"


# --- a production server ----------------------------------------------------------------------

PORT = 8517
HOST = "127.0.0.1"


def _production_env(var_dir: Path) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "production-like-secret-key-for-the-security-header-tests-0123456789",
        "ALLOWED_HOSTS": HOST,
        "TINHSO_VAR_DIR": str(var_dir),
        "TINHSO_INSECURE_HTTP": "0",
        "TINHSO_PLAIN_STATIC": "1",
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "TINHSO_SSL_REDIRECT", "REDIS_URL"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("production")
    env = _production_env(var_dir)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "tinhso"), "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300
    )
    subprocess.run(
        [
            str(bin_dir / "tinhso"),
            "shell",
            "-c",
            "from tinhso.accounts.models import User; "
            "User.objects.create_user(username='nguoidung.mot', password='Mat-khau-dai-2026', "
            "kind=User.Kind.CITIZEN)",
        ],
        env=env,
        check=True,
        timeout=120,
    )
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "tinhso.wsgi", "-b", f"{HOST}:{PORT}", "-w", "1"],
        env=env,
        cwd=settings.PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((HOST, PORT), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def _request(method, path, *, https=True, body=None, headers=None):
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    all_headers = {"Host": HOST, **(headers or {})}
    if https:
        # What the TLS-terminating proxy tells the application (SECURE_PROXY_SSL_HEADER).
        all_headers["X-Forwarded-Proto"] = "https"
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _cookies(response) -> dict[str, str]:
    """Each Set-Cookie by name: the raw header line, to read its flags."""
    found = {}
    for line in response.headers.get_all("Set-Cookie") or []:
        found[line.split("=", 1)[0]] = line
    return found


def _flags(line: str) -> set[str]:
    return {part.strip().lower() for part in line.split(";")[1:]}


def test_plain_http_is_redirected_to_https(production_server):
    response = _request("GET", "/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/"


def test_production_sends_hsts_and_the_policy(production_server):
    response = _request("GET", "/tai-khoan/dang-nhap/")
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    policy = parse_csp(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]


def _csrf_token() -> str:
    page = _request("GET", "/tai-khoan/dang-nhap/")
    csrf_line = _cookies(page)["csrftoken"]
    # Readable by script on purpose (the offline activity log sends it), but HTTPS-only.
    assert {"secure", "samesite=lax"} <= _flags(csrf_line)
    return SimpleCookie(csrf_line)["csrftoken"].value


def _post_form(path: str, body: str, token: str):
    return _request(
        "POST",
        path,
        body=f"{body}&csrfmiddlewaretoken={token}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
            # Django checks the Referer of a secure POST against the host.
            "Referer": f"https://{HOST}/",
            "Origin": f"https://{HOST}",
        },
    )


def test_production_session_cookie_is_secure_httponly_and_same_site(production_server):
    response = _post_form(
        "/tai-khoan/dang-nhap/", "username=nguoidung.mot&password=Mat-khau-dai-2026", _csrf_token()
    )
    assert response.status == 302, response.status
    session_line = _cookies(response)["sessionid"]
    assert {"secure", "httponly", "samesite=lax"} <= _flags(session_line)


def test_the_language_cookie_is_secure_in_production(production_server):
    response = _post_form("/i18n/setlang/", "language=en&next=/", _csrf_token())
    assert response.status == 302, response.status
    assert {"secure", "httponly", "samesite=lax"} <= _flags(_cookies(response)["django_language"])
