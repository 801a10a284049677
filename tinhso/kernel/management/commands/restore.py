"""``tinhso restore FILE [--force]``: put a backup back, all or nothing, and check it.

Run ``tinhso migrate`` on the new database first (same tinhso version as the backup). The
target must be empty (only what ``migrate`` seeds) unless ``--force``, which replaces every
row and every uploaded file.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from tinhso.kernel.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `tinhso backup` into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive written by `tinhso backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the rows and uploaded files already there",
        )

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 1
        started = time.monotonic()
        try:
            manifest = restore_backup(
                options["file"],
                force=options["force"],
                progress=(lambda m: self.stdout.write(f"  {m}")) if verbose else None,
            )
        except BackupError as exc:
            raise CommandError(f"Nothing was restored: {exc}") from exc
        rows = sum(entry["rows"] for entry in manifest["tables"])
        self.stdout.write(
            f"Restored {rows} rows in {len(manifest['tables'])} tables and "
            f"{len(manifest['files'])} files; every checksum matches the manifest "
            f"({time.monotonic() - started:.1f} s)"
        )
