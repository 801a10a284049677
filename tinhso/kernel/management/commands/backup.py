"""``tinhso backup [FILE]``: the database and the uploaded files in one checked archive.

See ``tinhso.kernel.backup`` for the format. Without FILE the archive goes to
``var/backups/tinhso-<UTC time>.tar.gz``.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.kernel.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write the archive (.tar.gz)")

    def handle(self, *args, **options):
        if options["file"]:
            path = Path(options["file"])
        else:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.VAR_DIR) / "backups" / f"tinhso-{stamp}.tar.gz"
        verbose = options["verbosity"] > 1
        started = time.monotonic()
        try:
            manifest = create_backup(
                path, progress=(lambda m: self.stdout.write(f"  {m}")) if verbose else None
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(entry["rows"] for entry in manifest["tables"])
        self.stdout.write(
            f"Backed up {rows} rows in {len(manifest['tables'])} tables and "
            f"{len(manifest['files'])} files to {path} "
            f"({path.stat().st_size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s)"
        )
