"""Backup and restore: every table and every uploaded file in one archive with a manifest.

The archive (``.tar.gz``) holds ``manifest.json`` first, then one JSON-lines file per table
(``tables/<table>.jsonl``: one row per line, the columns in the manifest's order, ordered by
primary key) and the uploaded files as they are under ``MEDIA_ROOT`` (``media/<path>``).

Rows are written in a form neither database colours: times in UTC ISO 8601, decimals and
UUIDs as strings, JSON as JSON, bytes in base64. So a backup of a SQLite install restores into
PostgreSQL and back. The manifest carries, per table, the row count and the SHA-256 of its
lines, and per file its size and SHA-256.

Restore goes into a migrated, empty database (a fresh ``migrate`` only seeds content types
and permissions, which the backup's own replace) and an empty ``MEDIA_ROOT``; ``force`` empties
both first. Everything happens in one transaction: the rows are inserted, every table is read
back and its checksum compared with the manifest, the files are unpacked beside ``MEDIA_ROOT``
and checked; only when all of it matches does the transaction commit and the files move into
place. Any difference rolls everything back.

Secrets are not data: ``SECRET_KEY``, ``var/secret_key`` and the signing keys under
``var/signing/`` are kept apart from these archives (see docs/operations.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string

FORMAT = "tinhso-backup/1"
BATCH = 1000
CHUNK = 1024 * 1024
# A fresh ``migrate`` fills these; a target holding only them counts as empty.
SEEDED_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why."""


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# --- which tables, which columns --------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages (auto-created many-to-many tables included), by name."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    return sorted(found, key=lambda model: model._meta.db_table)


def _fields(model: type[models.Model]) -> list[models.Field]:
    # A generated column is computed by the database; it is never written.
    return [
        field
        for field in model._meta.local_concrete_fields
        if not getattr(field, "generated", False)
    ]


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


# --- rows as neutral JSON ---------------------------------------------------------------------


def _value_field(field: models.Field) -> models.Field:
    """The field whose type a column holds: a foreign key holds its target's."""
    while field.is_relation and field.target_field is not field:
        field = field.target_field
    return field


def _encode(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    field = _value_field(field)
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if kind in ("DateField", "TimeField"):
        return value.isoformat()
    if kind == "DurationField":
        return duration_iso_string(value)
    if kind in ("DecimalField", "UUIDField"):
        return str(value)
    if kind == "BinaryField":
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    return value


def _decode(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    field = _value_field(field)
    kind = field.get_internal_type()
    if kind == "BinaryField":
        return base64.b64decode(value)
    if kind == "DurationField":
        return parse_duration(value)
    if kind in ("DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField"):
        return field.to_python(value)
    return value


def _line(values: list[Any]) -> bytes:
    return (
        json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def table_lines(model: type[models.Model]) -> Iterator[bytes]:
    """The table's rows as canonical JSON lines, ordered by primary key (streamed)."""
    fields = _fields(model)
    rows = (
        model._base_manager.using(connection.alias)
        .order_by("pk")
        .values_list(*[field.attname for field in fields])
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield _line([_encode(field, value) for field, value in zip(fields, row, strict=True)])


@dataclass
class TableDigest:
    rows: int
    sha256: str


def table_digest(model: type[models.Model]) -> TableDigest:
    digest = hashlib.sha256()
    count = 0
    for line in table_lines(model):
        digest.update(line)
        count += 1
    return TableDigest(count, digest.hexdigest())


def database_digests() -> dict[str, TableDigest]:
    """Row count and checksum of every table, as the manifest records them."""
    return {model._meta.db_table: table_digest(model) for model in backed_up_models()}


# --- files --------------------------------------------------------------------------------------


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files(root: Path | None = None) -> list[tuple[str, Path]]:
    """Every regular file under ``root`` (``MEDIA_ROOT``): (path with "/", absolute path)."""
    root = root or media_root()
    if not root.exists():
        return []
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(root: Path | None = None) -> dict[str, str]:
    return {name: file_sha256(path) for name, path in media_files(root)}


# --- backup -----------------------------------------------------------------------------------


def _applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


class _ReadSnapshot:
    """One consistent view of the database while the tables are read.

    PostgreSQL: a REPEATABLE READ transaction. SQLite: a deferred read transaction (in WAL
    mode a snapshot that does not hold writers back, unlike the IMMEDIATE transactions the
    settings use for writes). Inside an outer transaction (tests) the outer one is the view.
    """

    def __enter__(self):
        self.own = not connection.in_atomic_block
        if not self.own:
            return self
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            connection.cursor().execute("BEGIN DEFERRED")
        else:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return self

    def __exit__(self, *exc):
        if not self.own:
            return False
        if connection.vendor == "sqlite":
            connection.cursor().execute("COMMIT")
            return False
        return self.atomic.__exit__(*exc)


def create_backup(path: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Write the archive to ``path``; return its manifest."""
    progress = progress or _quiet
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "database": connection.vendor,
        "tables": [],
        "files": [],
    }
    with tempfile.TemporaryDirectory(prefix="tinhso-backup-", dir=path.parent) as work:
        work_dir = Path(work)
        with _ReadSnapshot():
            manifest["migrations"] = _applied_migrations()
            for model in backed_up_models():
                table = model._meta.db_table
                digest = hashlib.sha256()
                count = 0
                with open(work_dir / f"{table}.jsonl", "wb") as out:
                    for line in table_lines(model):
                        out.write(line)
                        digest.update(line)
                        count += 1
                manifest["tables"].append(
                    {
                        "table": table,
                        "model": _label(model),
                        "columns": [field.column for field in _fields(model)],
                        "rows": count,
                        "sha256": digest.hexdigest(),
                    }
                )
                if count:
                    progress(f"{table}: {count}")
            # Files are read after the rows: a file stored during the backup may be missing
            # from the rows (harmless), never a row without its file.
        for name, file_path in media_files():
            manifest["files"].append(
                {"path": name, "size": file_path.stat().st_size, "sha256": file_sha256(file_path)}
            )
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            for entry in manifest["tables"]:
                archive.add(work_dir / f"{entry['table']}.jsonl", f"tables/{entry['table']}.jsonl")
            root = media_root()
            for entry in manifest["files"]:
                archive.add(root / entry["path"], f"media/{entry['path']}", recursive=False)
        partial.replace(path)  # a half-written archive never carries the final name
    progress(f"{len(manifest['tables'])} tables, {len(manifest['files'])} files → {path}")
    return manifest


# --- restore ----------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember("manifest.json")
    except KeyError:
        raise BackupError("not a tinhso backup: manifest.json is missing") from None
    manifest = json.load(archive.extractfile(member))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def non_empty_tables() -> list[str]:
    """Tables of the target holding rows a fresh ``migrate`` would not have put there."""
    return [
        model._meta.db_table
        for model in backed_up_models()
        if _label(model) not in SEEDED_BY_MIGRATE and model._base_manager.exists()
    ]


def _check_compatible(manifest: dict[str, Any]) -> dict[str, type[models.Model]]:
    by_table = {model._meta.db_table: model for model in backed_up_models()}
    in_backup = {entry["table"] for entry in manifest["tables"]}
    if in_backup != set(by_table):
        missing = sorted(set(by_table) - in_backup)[:5]
        extra = sorted(in_backup - set(by_table))[:5]
        raise BackupError(
            "the backup was made by another version of tinhso "
            f"(tables only here: {missing}, only in the backup: {extra})"
        )
    applied = _applied_migrations()
    if manifest.get("migrations") != applied:
        only_backup = sorted(set(manifest.get("migrations", [])) - set(applied))[:5]
        only_here = sorted(set(applied) - set(manifest.get("migrations", [])))[:5]
        raise BackupError(
            "the database is not at the backup's migrations: run `tinhso migrate` with the "
            f"same version (only in the backup: {only_backup}, only here: {only_here})"
        )
    for entry in manifest["tables"]:
        columns = [field.column for field in _fields(by_table[entry["table"]])]
        if entry["columns"] != columns:
            raise BackupError(f"the columns of {entry['table']} differ from the backup's")
    return by_table


def _empty_tables(tables: list[str]) -> None:
    """Remove every row (TRUNCATE on PostgreSQL, which the audit log's row triggers do not
    see; DELETE on SQLite, which its trigger allows inside the kernel's flush guard)."""
    from tinhso.kernel.audit import audit_log_flushable

    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
    with audit_log_flushable(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _insert_rows(model: type[models.Model], lines: Iterator[bytes]) -> tuple[int, str]:
    fields = _fields(model)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our own names
    digest = hashlib.sha256()
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for line in lines:
            digest.update(line)
            count += 1
            values = json.loads(line)
            batch.append(
                [
                    field.get_db_prep_save(_decode(field, value), connection)
                    for field, value in zip(fields, values, strict=True)
                ]
            )
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    return count, digest.hexdigest()


def _lines(handle) -> Iterator[bytes]:
    for line in handle:
        if line.strip():
            yield line


def _unpack_files(
    archive: tarfile.TarFile, manifest: dict[str, Any], staging: Path, progress: Progress
) -> None:
    expected = {entry["path"]: entry for entry in manifest["files"]}
    seen = set()
    for member in archive:
        if not member.name.startswith("media/"):
            continue
        name = member.name[len("media/") :]
        entry = expected.get(name)
        if entry is None or not member.isfile():
            raise BackupError(f"unexpected entry in the archive: {member.name}")
        target = (staging / name).resolve()
        if not target.is_relative_to(staging.resolve()):
            raise BackupError(f"unsafe path in the archive: {member.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with archive.extractfile(member) as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"] or target.stat().st_size != entry["size"]:
            raise BackupError(f"file {name} does not match its checksum in the manifest")
        seen.add(name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{len(missing)} files are missing from the archive, e.g. {missing[0]}")
    progress(f"{len(seen)} files unpacked and checked")


def restore_backup(
    path: Path, *, force: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Restore the archive at ``path`` into this database and ``MEDIA_ROOT``, all or nothing."""
    progress = progress or _quiet
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    root = media_root()
    staging = root.with_name(root.name + ".restoring")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = read_manifest(archive)
            by_table = _check_compatible(manifest)
            if not force:
                busy = non_empty_tables()
                if busy:
                    raise BackupError(
                        f"the database is not empty ({len(busy)} tables hold rows, e.g. "
                        f"{busy[0]}); restore into a fresh database, or use --force to "
                        "replace everything"
                    )
                if media_files(root):
                    raise BackupError(
                        f"{root} holds files; restore into an empty directory, or use --force"
                    )
            staging.mkdir(parents=True)
            with transaction.atomic():
                _empty_tables(list(by_table))
                for entry in manifest["tables"]:
                    member = archive.getmember(f"tables/{entry['table']}.jsonl")
                    with archive.extractfile(member) as handle:
                        count, sha = _insert_rows(by_table[entry["table"]], _lines(handle))
                    if (count, sha) != (entry["rows"], entry["sha256"]):
                        raise BackupError(f"table {entry['table']} in the archive is damaged")
                    if count:
                        progress(f"{entry['table']}: {count}")
                _reset_sequences(list(by_table.values()))
                # Read every table back: what the database now holds is what was backed up.
                for entry in manifest["tables"]:
                    found = table_digest(by_table[entry["table"]])
                    if (found.rows, found.sha256) != (entry["rows"], entry["sha256"]):
                        raise BackupError(
                            f"table {entry['table']} differs after restore "
                            f"({found.rows} rows, expected {entry['rows']})"
                        )
                progress("every table matches the manifest")
                # The files are checked before the transaction commits.
                _unpack_files(archive, manifest, staging, progress)
        _swap_in(staging, root)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    _forget_caches()
    return manifest


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _swap_in(staging: Path, root: Path) -> None:
    """Put the restored files in place of ``MEDIA_ROOT`` (two renames on one filesystem)."""
    old = root.with_name(root.name + ".before-restore")
    if old.exists():
        shutil.rmtree(old)
    if root.exists():
        root.rename(old)
    staging.rename(root)
    if old.exists():
        shutil.rmtree(old)


def _forget_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    from tinhso.kernel.calendar import calendar_changed

    calendar_changed()  # the overrides came with the backup: every process rebuilds
