"""Backup and restore refuse what they must and leave nothing half done.

The original is this test's database (a citizen, an uploaded file and its audit row); the
restores run as ``tinhso restore`` in their own processes, into fresh SQLite databases.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.kernel.backup import FORMAT, create_backup, database_digests
from tinhso.kernel.files import DOCUMENT_TYPES, store_upload
from tinhso.kernel.tests.test_backup_roundtrip import digests, environment, tinhso

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def archive(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    citizen = CitizenFactory()
    with transaction.atomic():
        store_upload(
            acting_user=citizen,
            uploaded_file=SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
            purpose="test",
            allowed_types=DOCUMENT_TYPES,
        )
    path = tmp_path / "backup.tar.gz"
    manifest = create_backup(path)
    assert manifest["format"] == FORMAT
    assert len(manifest["files"]) == 1
    rows = {entry["table"]: entry["rows"] for entry in manifest["tables"]}
    assert rows["accounts_user"] == 1 and rows["kernel_storedfile"] == 1
    assert rows["kernel_auditevent"] >= 1
    return path


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A freshly migrated SQLite database, made once and copied for each test."""
    var_dir = tmp_path_factory.mktemp("migrated")
    tinhso(environment(var_dir), "migrate", "--noinput", "-v0")
    return var_dir


@pytest.fixture
def target(tmp_path, migrated):
    var_dir = tmp_path / "target"
    var_dir.mkdir()
    for path in migrated.glob("tinhso.sqlite3*"):
        shutil.copy2(path, var_dir / path.name)
    return environment(var_dir)


def test_a_backup_restores_and_the_database_matches_it(archive, target, tmp_path):
    result = tinhso(target, "restore", str(archive))
    assert "every checksum matches the manifest" in result.stdout
    restored = digests(target)["digests"]
    here = {table: [d.rows, d.sha256] for table, d in database_digests().items()}
    assert restored == here
    restored_files = [p for p in (tmp_path / "target" / "media").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in restored_files] == [PDF]


def test_a_database_that_is_not_empty_is_refused_unless_forced(archive, target, tmp_path):
    tinhso(target, "restore", str(archive))
    before = digests(target)
    again = tinhso(target, "restore", str(archive), check=False)
    assert again.returncode != 0
    assert "Nothing was restored: the database is not empty" in again.stderr
    assert digests(target) == before
    forced = tinhso(target, "restore", "--force", str(archive))
    assert "every checksum matches" in forced.stdout
    assert digests(target) == before  # replaced by the same rows, not added to them
    assert len([p for p in (tmp_path / "target" / "media").rglob("*") if p.is_file()]) == 1


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy the archive, passing each member's bytes through ``change(name, data)``."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as copy:
        for member in source:
            data = source.extractfile(member).read()
            data = change(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def _assert_nothing_restored(env: dict, tmp_path: Path) -> None:
    found = digests(env)
    seeded = {"django_content_type", "auth_permission"}
    assert all(count == 0 for table, count in found["counts"].items() if table not in seeded)
    media = tmp_path / "target" / "media"
    assert not media.exists() or not any(media.rglob("*"))


def test_a_damaged_file_restores_nothing(archive, target, tmp_path):
    damaged = tmp_path / "damaged-file.tar.gz"
    _rewrite(
        archive, damaged, lambda name, data: data + b"x" if name.startswith("media/") else data
    )
    result = tinhso(target, "restore", str(damaged), check=False)
    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr
    _assert_nothing_restored(target, tmp_path)


def test_a_damaged_table_restores_nothing(archive, target, tmp_path):
    damaged = tmp_path / "damaged-table.tar.gz"

    def change(name, data):
        if name == "tables/accounts_user.jsonl":
            return data.replace("Nguyễn".encode(), b"Nguyen")
        return data

    _rewrite(archive, damaged, change)
    result = tinhso(target, "restore", str(damaged), check=False)
    assert result.returncode != 0
    assert "accounts_user in the archive is damaged" in result.stderr
    _assert_nothing_restored(target, tmp_path)


def test_a_backup_of_another_version_is_refused(archive, target, tmp_path):
    other = tmp_path / "other-version.tar.gz"

    def change(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["migrations"].append("dossiers.9999_from_the_future")
            return json.dumps(manifest).encode()
        return data

    _rewrite(archive, other, change)
    result = tinhso(target, "restore", str(other), check=False)
    assert result.returncode != 0
    assert "not at the backup's migrations" in result.stderr
    _assert_nothing_restored(target, tmp_path)
