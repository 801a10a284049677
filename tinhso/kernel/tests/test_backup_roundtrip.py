"""``tinhso backup`` and ``tinhso restore`` for real: the demo province (records in every module
and the uploaded files), backed up and restored into fresh databases, SQLite and PostgreSQL, in
both directions.

Everything runs as the commands an operator types, in their own processes. Each restored copy
is compared with the original three ways: the row count of every table by plain ``COUNT(*)``,
the checksum of every table's rows, and the SHA-256 of every file on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

BIN = Path(sys.executable).parent
TIMEOUT = 1800

# Printed by a process on the database it was given: raw counts and the per-table checksums.
DIGESTS = """
import json, django
django.setup()
from django.db import connection
from tinhso.kernel.backup import backed_up_models, database_digests
counts = {}
with connection.cursor() as cursor:
    for model in backed_up_models():
        table = model._meta.db_table
        cursor.execute("SELECT COUNT(*) FROM " + connection.ops.quote_name(table))
        counts[table] = cursor.fetchone()[0]
digests = {table: [d.rows, d.sha256] for table, d in database_digests().items()}
print(json.dumps({"counts": counts, "digests": digests}))
"""


def environment(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "TINHSO_VAR_DIR": str(var_dir)}
    env.pop("TINHSO_MEDIA_ROOT", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def tinhso(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / "tinhso"), *args],
        env=env,
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if check and result.returncode != 0:
        pytest.fail(f"tinhso {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def digests(env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", DIGESTS],
        env={**env, "DJANGO_SETTINGS_MODULE": "tinhso.settings"},
        cwd=settings.PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def files_on_disk(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, computed here, not by the code under test."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def postgres_server() -> str | None:
    """A PostgreSQL server URL to create scratch databases on, or None if there is none."""
    url = os.environ.get("TINHSO_TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        import psycopg

        with psycopg.connect(_with_database(url, "postgres"), connect_timeout=3):
            return url
    except Exception:  # no server is an answer, not an error
        return None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def scratch_postgres():
    """A fresh PostgreSQL database for one restore, dropped afterwards."""
    server = postgres_server()
    if server is None:
        pytest.skip("no PostgreSQL server reachable")
    import psycopg

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"tinhso_backup_rt_{worker}"
    admin_url = _with_database(server, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def assert_same(original: dict, restored: dict) -> None:
    assert restored["counts"] == original["counts"]
    different = [
        table
        for table, digest in original["digests"].items()
        if restored["digests"].get(table) != digest
    ]
    assert not different, f"tables whose rows differ: {different}"
    assert restored["digests"].keys() == original["digests"].keys()


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="builds its own SQLite and PostgreSQL databases whatever the suite runs on: "
    "once per CI run (the SQLite pass) is enough",
)
def test_the_demo_province_round_trips_through_sqlite_and_postgresql(tmp_path, scratch_postgres):
    # The original: a SQLite install with the demo province in every module, and its files.
    source = environment(tmp_path / "source")
    tinhso(source, "migrate", "--noinput", "-v0")
    tinhso(source, "demo")
    original = digests(source)
    original_files = files_on_disk(tmp_path / "source" / "media")
    modules = {"dossiers", "feedback", "qa", "outreach", "indicators", "kernel", "accounts"}
    filled = {table.split("_")[0] for table, count in original["counts"].items() if count}
    assert modules <= filled, f"the demo left modules empty: {modules - filled}"
    assert len(original_files) >= 10  # papers, photos, signed results, audio

    archive = tmp_path / "tinhso.tar.gz"
    made = tinhso(source, "backup", str(archive))
    assert "Backed up" in made.stdout and archive.stat().st_size > 0
    manifest = _manifest(archive)
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == original["counts"]
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == original_files

    # 1. Into a fresh SQLite database and an empty files directory.
    copy = environment(tmp_path / "sqlite-copy")
    tinhso(copy, "migrate", "--noinput", "-v0")
    restored = tinhso(copy, "restore", str(archive))
    assert "every checksum matches" in restored.stdout
    assert_same(original, digests(copy))
    assert files_on_disk(tmp_path / "sqlite-copy" / "media") == original_files

    # 2. Into PostgreSQL: the same rows and files from a SQLite backup.
    pg = environment(tmp_path / "pg-copy", scratch_postgres)
    tinhso(pg, "migrate", "--noinput", "-v0")
    tinhso(pg, "restore", str(archive))
    assert_same(original, digests(pg))
    assert files_on_disk(tmp_path / "pg-copy" / "media") == original_files

    # 3. And back: a backup of the PostgreSQL copy restores into SQLite unchanged.
    archive_from_pg = tmp_path / "from-pg.tar.gz"
    tinhso(pg, "backup", str(archive_from_pg))
    back = environment(tmp_path / "sqlite-again")
    tinhso(back, "migrate", "--noinput", "-v0")
    tinhso(back, "restore", str(archive_from_pg))
    assert_same(original, digests(back))
    assert files_on_disk(tmp_path / "sqlite-again" / "media") == original_files

    # The restored install works: the demo administrator's password hash came back with it.
    works = tinhso(
        back,
        "shell",
        "-c",
        "from tinhso.accounts.models import User; "
        "print(User.objects.get(username='quantri').check_password('DemoDVC#2026'))",
    )
    assert works.stdout.strip().splitlines()[-1] == "True"


def _manifest(archive: Path) -> dict:
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile("manifest.json"))
