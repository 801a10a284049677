"""Bytes without a row: the write must come before the commit, so a rollback or a process
killed between the two leaves bytes behind (``reliability/crash.py`` counts them). The sweep
removes them once they are old enough that no open transaction can still claim them, and never
touches a file a row refers to."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tinhso.kernel.files import IMAGE_TYPES, store_upload, sweep_orphan_files
from tinhso.kernel.models import StoredFile

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


class Crash(Exception):
    """The process dying after the bytes were written, before the commit."""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _store(name: str) -> StoredFile:
    return store_upload(
        acting_user=None,
        uploaded_file=ContentFile(JPEG + name.encode(), name=name),
        purpose="test",
        allowed_types=IMAGE_TYPES,
    )


def _orphan() -> str:
    """Store a file in a transaction that never commits; the name of the bytes left."""
    written = []
    with pytest.raises(Crash), transaction.atomic():
        written.append(_store("mat.jpg").file.name)
        raise Crash
    return written[0]


def test_a_rolled_back_upload_leaves_bytes_that_the_sweep_removes(media):
    kept = _store("giu.jpg")
    orphan = _orphan()
    assert default_storage.exists(orphan) and not StoredFile.objects.filter(file=orphan).exists()

    # Young bytes may still belong to an open transaction: kept.
    assert sweep_orphan_files() == []
    assert default_storage.exists(orphan)

    later = timezone.now() + dt.timedelta(hours=2)
    assert sweep_orphan_files(now=later) == [orphan]
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)
    assert default_storage.open(kept.file.name).read() == JPEG + b"giu.jpg"
    assert sweep_orphan_files(now=later) == []


def test_the_command_sweeps_and_tick_runs_it(media):
    kept = _store("giu.jpg")
    orphan = _orphan()
    call_command("files_sweep", verbosity=0)  # an hour by default: too young
    assert default_storage.exists(orphan)
    call_command("files_sweep", "--min-age-minutes=0", verbosity=0)
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept.file.name)

    from tinhso.portal.management.commands.tick import STEPS

    assert "files_sweep" in STEPS


def test_nothing_to_sweep_without_uploads(media):
    assert sweep_orphan_files(min_age=dt.timedelta(0)) == []
