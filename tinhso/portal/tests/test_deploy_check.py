"""`manage.py check --deploy` is clean with production settings (DEBUG off, HTTPS)."""

import os
import subprocess
import sys

from django.conf import settings


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "dichvucong.example.vn",
        "TINHSO_VAR_DIR": str(tmp_path),
        "TINHSO_INSECURE_HTTP": "0",
    }
    env.pop("TINHSO_SILENCED_CHECKS", None)
    # The browser-test harness sets this for the test process (Playwright runs an event loop
    # in the test thread); a production process never has it, and Django's checks refuse it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
