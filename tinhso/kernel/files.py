"""Uploads (tệp đính kèm): every file a user sends passes here before it is kept.

A file is checked for size, for its real type (read from its bytes with ``puremagic``, never
from its name or the content type the client claims), and for a sane name whose extension
agrees with its content. It is then stored under a name the server chooses; the user's name is
kept only as data. Refusals are ``InvalidInput`` errors with a code the client can act on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

import puremagic
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.audit import audit_record
from tinhso.kernel.errors import InvalidInput
from tinhso.kernel.models import StoredFile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extensions: tuple[str, ...]


_OOXML = "application/vnd.openxmlformats-officedocument"
FILE_TYPES: dict[str, FileType] = {
    file_type.key: file_type
    for file_type in (
        FileType("pdf", "application/pdf", ("pdf",)),
        FileType("jpeg", "image/jpeg", ("jpg", "jpeg")),
        FileType("png", "image/png", ("png",)),
        FileType("webp", "image/webp", ("webp",)),
        FileType("docx", f"{_OOXML}.wordprocessingml.document", ("docx",)),
        FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", ("xlsx",)),
    )
}
DOCUMENT_TYPES = frozenset({"pdf", "jpeg", "png", "docx", "xlsx"})
IMAGE_TYPES = frozenset({"jpeg", "png", "webp"})

MAX_NAME_LENGTH = 200
_FORBIDDEN_NAME_CHARACTERS = frozenset('/\\:*?"<>|')
# Office Open XML files are zip archives; the part that only that kind of document has tells
# them apart (puremagic sees only "a zip").
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check; ``file`` is rewound and ready to store."""

    file: Any
    name: str
    file_type: str
    content_type: str
    size: int
    sha256: str


def _refuse(code: str, message) -> InvalidInput:
    return InvalidInput(code, message, details={"field": "file"})


def check_name(name: str) -> tuple[str, str]:
    """The NFC-normalised name and its lower-case extension, or ``file_name_invalid``."""
    name = unicodedata.normalize("NFC", name or "").strip()
    invalid = (
        not name
        or len(name) > MAX_NAME_LENGTH
        or name.startswith(".")
        or ".." in name
        or any(char in _FORBIDDEN_NAME_CHARACTERS for char in name)
        # Control and format characters: NUL, newlines, and the bidi overrides that make
        # "gpj.exe" read as "exe.jpg".
        or any(unicodedata.category(char) in {"Cc", "Cf"} for char in name)
    )
    stem, dot, extension = name.rpartition(".")
    if invalid or not dot or not stem.strip() or not extension:
        raise _refuse(
            "file_name_invalid",
            _(
                "The file name is not acceptable. Use a name of at most %(limit)d characters, "
                "without slashes or special characters, ending in the file type (e.g. .pdf)."
            )
            % {"limit": MAX_NAME_LENGTH},
        )
    return name, extension.lower()


def _zip_kind(file) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for key, part in _OOXML_MAIN_PART.items():
        if part in names:
            return key
    return None


def detect_type(file) -> str | None:
    """The key of the type in ``FILE_TYPES`` that the bytes of ``file`` show, or None."""
    file.seek(0)
    try:
        matches = puremagic.magic_stream(file)
    except (puremagic.PureError, ValueError):
        return None
    finally:
        file.seek(0)
    content_types = [match.mime_type for match in matches]
    if any(content_type.startswith(_OOXML) for content_type in content_types):
        kind = _zip_kind(file)
        file.seek(0)
        return kind
    by_content_type = {file_type.content_type: key for key, file_type in FILE_TYPES.items()}
    for content_type in content_types:
        if content_type in by_content_type:
            return by_content_type[content_type]
    return None


def _type_names(keys) -> str:
    return ", ".join(sorted(FILE_TYPES[key].extensions[0].upper() for key in keys))


def check_upload(
    uploaded_file, *, allowed_types: set[str] | frozenset[str], max_bytes: int | None = None
) -> CheckedFile:
    """Check an upload and describe it, or raise ``InvalidInput``.

    Codes: ``file_empty``, ``file_too_large``, ``file_name_invalid``, ``file_type_not_allowed``
    (the content is not one of ``allowed_types``), ``file_type_mismatch`` (the extension does
    not agree with the content).
    """
    unknown = set(allowed_types) - FILE_TYPES.keys()
    if unknown or not allowed_types:
        raise ValueError(f"Unknown or no allowed file types: {sorted(unknown)}")
    limit = settings.TINHSO_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    too_large = _refuse(
        "file_too_large",
        _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
    )
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise too_large

    # Count and hash the bytes actually received; the declared size is only a first guess.
    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    chunks = (
        uploaded_file.chunks(_CHUNK)
        if hasattr(uploaded_file, "chunks")
        else iter(lambda: uploaded_file.read(_CHUNK), b"")
    )
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large
        digest.update(chunk)
    uploaded_file.seek(0)
    if size == 0:
        raise _refuse("file_empty", _("The file is empty."))

    name, extension = check_name(getattr(uploaded_file, "name", "") or "")
    file_type = detect_type(uploaded_file)
    if file_type is None or file_type not in allowed_types:
        raise _refuse(
            "file_type_not_allowed",
            _("This kind of file is not accepted here. Accepted: %(types)s.")
            % {"types": _type_names(allowed_types)},
        )
    if extension not in FILE_TYPES[file_type].extensions:
        raise _refuse(
            "file_type_mismatch",
            _("The file name ends in .%(extension)s but the file is a %(type)s file.")
            % {"extension": extension, "type": FILE_TYPES[file_type].extensions[0].upper()},
        )
    return CheckedFile(
        file=uploaded_file,
        name=name,
        file_type=file_type,
        content_type=FILE_TYPES[file_type].content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def store_upload(
    *,
    acting_user,
    uploaded_file,
    purpose: str,
    allowed_types: set[str] | frozenset[str],
    max_bytes: int | None = None,
) -> StoredFile:
    """Check an upload and keep it: a ``StoredFile`` row, the bytes in the default storage
    under a server-chosen name, and an audit row, in one transaction.

    The bytes must be on disk before the row commits (a row without its bytes would be a lost
    file), so a rollback, or a crash between the write and the commit, leaves bytes without a
    row. Nothing refers to them; ``sweep_orphan_files`` (run by ``tinhso tick``) removes them.
    """
    checked = check_upload(uploaded_file, allowed_types=allowed_types, max_bytes=max_bytes)
    with transaction.atomic():
        stored = StoredFile(
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            purpose=purpose,
            uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            created_at=timezone.now(),
        )
        # The storage name comes from _stored_file_path (date and uuid); the user's name is
        # passed only because the API requires one.
        stored.file.save(checked.name, File(checked.file), save=False)
        stored.save(force_insert=True)
        audit_record(
            actor=acting_user,
            action="file.store",
            obj=stored,
            summary=f"{checked.file_type} {checked.size} B",
            changes={"purpose": purpose, "sha256": checked.sha256, "size": checked.size},
        )
    return stored


# Where ``StoredFile`` keeps its bytes (``kernel.models._stored_file_path``).
STORED_FILES_DIR = "files"
# Bytes younger than this may belong to a transaction still open: never swept.
SWEEP_MIN_AGE = dt.timedelta(hours=1)


def _stored_names(storage, directory: str):
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}"
    for sub in directories:
        yield from _stored_names(storage, f"{directory}/{sub}")


def sweep_orphan_files(*, min_age: dt.timedelta = SWEEP_MIN_AGE, now=None) -> list[str]:
    """Delete the stored bytes that no ``StoredFile`` row refers to and that are older than
    ``min_age``: what a rolled-back upload, or a process killed between writing the bytes and
    committing the row, left behind. The names deleted.

    A file younger than ``min_age`` is kept (its transaction may not have committed yet), so
    running this while the server serves is safe; ``tinhso tick`` runs it."""
    storage = default_storage
    if not storage.exists(STORED_FILES_DIR):
        return []
    cutoff = (now or timezone.now()) - min_age
    candidates = [
        name
        for name in _stored_names(storage, STORED_FILES_DIR)
        if storage.get_modified_time(name) <= cutoff
    ]
    known: set[str] = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        known.update(StoredFile.objects.filter(file__in=chunk).values_list("file", flat=True))
    swept = []
    for name in candidates:
        if name not in known:
            storage.delete(name)
            swept.append(name)
    if swept:
        logger.warning("Swept %d stored files that no row refers to.", len(swept))
    return swept
