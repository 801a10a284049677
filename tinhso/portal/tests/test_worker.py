"""The background worker really runs queued work, in a separate process, on each backend.

Each test runs the real commands as an operator would: migrate, queue a notification from one
process, run `tinhso worker` in another, and read what it did.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

QUEUE_ONE = """
from django.db import transaction
from tinhso.kernel.notifications import notify
with transaction.atomic():
    n = notify(address="can.bo@example.vn", subject="Hồ sơ đã tiếp nhận", body="Xin chào")
print(n.pk)
"""
READ_STATUS = """
from tinhso.kernel.models import Notification
n = Notification.objects.get()
print(n.status, n.attempts)
"""


def tinhso(env, *args, timeout=180):
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.cli", *args],
        cwd=settings.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def installation(tmp_path: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TINHSO_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        TINHSO_VAR_DIR=str(tmp_path),
        TINHSO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        **extra,
    )
    tinhso(env, "migrate", "--noinput", "-v0")
    return env


def test_database_worker_sends_a_queued_notification(tmp_path):
    env = installation(tmp_path)
    tinhso(env, "shell", "--no-imports", "-c", QUEUE_ONE)
    assert tinhso(env, "shell", "--no-imports", "-c", READ_STATUS).split() == ["queued", "0"]

    tinhso(env, "worker", "--batch")

    assert tinhso(env, "shell", "--no-imports", "-c", READ_STATUS).split() == ["sent", "1"]
    mails = list((tmp_path / "mail").iterdir())
    assert len(mails) == 1
    assert "can.bo@example.vn" in mails[0].read_text()


@pytest.mark.skipif(
    not os.environ.get("TINHSO_TEST_REDIS_URL"),
    reason="set TINHSO_TEST_REDIS_URL (.ci/run does when Redis is reachable)",
)
def test_redis_worker_sends_a_queued_notification(tmp_path):
    import redis

    url = os.environ["TINHSO_TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    env = installation(tmp_path, TINHSO_TASKS_BACKEND="redis", REDIS_URL=url)
    tinhso(env, "shell", "--no-imports", "-c", QUEUE_ONE)

    tinhso(env, "worker", "--burst")

    assert tinhso(env, "shell", "--no-imports", "-c", READ_STATUS).split() == ["sent", "1"]
    assert len(list((tmp_path / "mail").iterdir())) == 1
