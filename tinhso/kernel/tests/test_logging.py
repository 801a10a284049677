"""Personal data never reaches the logs (Decree 13/2023/NĐ-CP): the configured handler masks
CCCD and phone numbers in every record, whoever logs it (our code, Django, django-axes...)."""

import os
import subprocess
import sys

from django.conf import settings

from tinhso.kernel.logging import mask_personal_data

LOG_SOMETHING = (
    "import logging; "
    "logging.getLogger('axes.watch_login').warning("
    "'AXES: failed login for %s from %s, phone %s', '040093427175', '127.0.0.1', '0912345678')"
)


def test_a_running_process_masks_personal_data_in_its_log_output(tmp_path):
    env = {**os.environ, "TINHSO_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.cli", "shell", "--no-imports", "-c", LOG_SOMETHING],
        cwd=settings.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "failed login for 040******175" in result.stderr
    assert "091****678" in result.stderr
    assert "040093427175" not in result.stderr
    assert "0912345678" not in result.stderr


def test_masking_keeps_other_numbers():
    assert mask_personal_data("hồ sơ 000.00.24.H12-261123-0001") == (
        "hồ sơ 000.00.24.H12-261123-0001"
    )
    assert mask_personal_data("+84912345678") == "+8491****678"
